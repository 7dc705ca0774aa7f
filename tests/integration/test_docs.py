"""The docs are tested: every ```sh block of README.md and docs/*.md runs, page by page and in order,
against one fresh sandbox (`manage.py run-local --fresh`, as `make run FRESH=1` starts it). A page
fails on any non-zero exit, unset variable or unexpected HTTP status (see docs_runner.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, Stack, start_stack, stop_stack
from tests.integration.docs_runner import AMBIGUOUS_LANGUAGES, pages, run_page, shell_blocks

PAGES = pages(ROOT)


@pytest.fixture(scope="module")
def docs_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("docs"), fresh=True)
    yield running
    stop_stack(running)


def page_env(stack: Stack) -> dict[str, str]:
    """A reader's shell: nothing of the test run's AWS settings, the sandbox's demo.json."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["DEMO_FILE"] = str(stack.log_path.parent / "demo.json")
    return env


def venv_python() -> Path:
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        pytest.fail("the docs call .venv/bin/python: run the suite with `make test`, which creates .venv")
    return python


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_shell_block_of_the_page_runs(docs_stack: Stack, page: Path) -> None:
    venv_python()
    if not shell_blocks(page):
        pytest.skip(f"{page.name} has no ```sh block")
    done = run_page(page, ROOT, page_env(docs_stack))
    assert done.returncode == 0, (f"{page.relative_to(ROOT)} failed\n--- stderr ---\n{done.stderr[-4000:]}"
                                  f"\n--- stdout ---\n{done.stdout[-4000:]}")


def test_shell_blocks_say_whether_they_run() -> None:
    """```sh runs, ```console is shown only: ```bash/```shell would leave a reader (and the runner) guessing."""
    for page in PAGES:
        for language in AMBIGUOUS_LANGUAGES:
            found = shell_blocks(page, language)
            assert not found, (f"{page.relative_to(ROOT)}:{found[0].line}: fence shell commands with ```sh (runs "
                               f"in the docs test) or ```console (shown only), not ```{language}")


def test_the_runner_fails_on_an_unexpected_status_and_passes_an_announced_one(docs_stack: Stack,
                                                                              tmp_path: Path) -> None:
    venv_python()
    page = tmp_path / "page.md"
    env = page_env(docs_stack)
    page.write_text('```sh\neval "$(.venv/bin/python manage.py env)"\ncurl -s "$API/nowhere"\n```\n')
    assert run_page(page, ROOT, env).returncode != 0
    page.write_text('```sh\neval "$(.venv/bin/python manage.py env)"\ncurl -s "$API/nowhere"   # 404 not_found\n```\n')
    assert run_page(page, ROOT, env).returncode == 0
    page.write_text('```sh\ncurl -s "$UNSET_VARIABLE/x"\n```\n')
    assert run_page(page, ROOT, env).returncode != 0
    page.write_text('```console\nfalse\n```\n```sh\ntrue\n```\n')
    assert run_page(page, ROOT, env).returncode == 0
