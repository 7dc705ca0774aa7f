"""A cold start imports the routes, not the rules behind them (issue 18; chalicelib/api/lazy.py).

``import app`` in a fresh interpreter may load the api modules and the foundation they stand on (HTTP
helpers, errors, config, logs, the API-key check and its table); each area's domain code loads on the
first request of its routes. A module-level field built from a domain module's limit, or an api module
importing a domain module at the top, would load it here and fail this test. No time is measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What authenticating and answering any request needs, before any area's own code.
ALLOWED = {"chalicelib", "chalicelib.access", "chalicelib.clock", "chalicelib.config", "chalicelib.errors",
           "chalicelib.logs", "chalicelib.pagination", "chalicelib.tokens", "chalicelib.validation",
           "chalicelib.models", "chalicelib.models.access", "chalicelib.models.base", "chalicelib.models.stores",
           "chalicelib.models.transactions"}


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "STAGE": "dev", "TABLE_PREFIX": "memberlink-dev", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_app_loads_no_domain_module():
    # WHEN a fresh interpreter imports the app, as a Lambda cold start does
    loaded = {name for name in _loaded_after("import app") if name.startswith("chalicelib")}
    # THEN only the api modules and the foundation are loaded
    assert sorted(name for name in loaded if name not in ALLOWED and not name.startswith("chalicelib.api")) == []
    # AND neither are the libraries only some areas use
    assert not {"phonenumbers", "argon2", "segno", "aws_lambda_powertools"} & _loaded_after("import app")


def test_a_request_of_an_area_loads_that_area():
    # GIVEN a fresh interpreter with the app imported
    # WHEN the webhooks blueprint's lazy modules are loaded (what its first request does)
    loaded = _loaded_after("import app\nfrom chalicelib.api import webhooks\nfrom chalicelib.api.lazy import load_all\n"
                           "load_all(webhooks)")
    # THEN the intake is loaded, and the staff app's code still is not
    assert "chalicelib.inbox.intake" in loaded
    assert "chalicelib.referrals.line" not in loaded


def test_routes_declared_without_domain_code_list_what_the_domain_accepts():
    # GIVEN lists the wiring keeps literal so that declaring routes loads no domain code
    import app
    from chalicelib.api import messages
    from chalicelib.messages import uploads

    # THEN they say what the domain module says
    assert list(uploads.CONTENT_TYPES) == messages.IMAGE_CONTENT_TYPES
    assert set(uploads.CONTENT_TYPES) <= set(app.app.api.binary_types)
