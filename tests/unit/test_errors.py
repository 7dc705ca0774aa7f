"""Domain errors carry codes; one table in chalicelib/api/http.py gives them their HTTP status."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import chalicelib
from chalicelib.api.http import STATUS, status_of
from chalicelib.errors import ApiError, Conflict, InvalidRequest, LinkExpired, NotFound

ROOT = Path(chalicelib.__file__).resolve().parent


def _all_error_classes() -> list[type[ApiError]]:
    for info in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(info.name)
    found: list[type[ApiError]] = []
    pending: list[type[ApiError]] = [ApiError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_name_in_the_status_table_is_a_domain_error():
    # GIVEN every ApiError subclass of the deployed code
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in _all_error_classes()}
    # THEN each key of the table names one of them (a renamed class cannot silently fall back to 400)
    assert sorted(set(STATUS) - names) == []


@pytest.mark.parametrize(("error", "status"), [
    (ApiError("x"), 400), (InvalidRequest("x", field="f"), 400), (NotFound("x"), 404),
    (Conflict("x", code="code_used"), 409), (LinkExpired("x"), 410),
])
def test_an_error_takes_its_class_status(error: ApiError, status: int):
    # GIVEN a domain error; WHEN its status is looked up; THEN the table's (or its nearest base's) answers
    assert status_of(error) == status


def test_a_subclass_not_in_the_table_takes_its_base_status():
    # GIVEN a refusal class that only narrows NotFound
    class MemberGone(NotFound):
        code = "member_gone"

    # THEN it is a 404, and its own code is kept
    assert (status_of(MemberGone("x")), MemberGone("x").body()["error"]["code"]) == (404, "member_gone")


def test_no_domain_module_chooses_an_http_status():
    # GIVEN the deployed code outside chalicelib/api/
    raises = re.compile(r"(ApiError|Error|Refused|Conflict|NotFound|Invalid\w*|Unauthorized|Forbidden|__init__)"
                        r"\([^()]*(\([^()]*\)[^()]*)*\bstatus=", re.S)
    # WHEN searched for an error built with status=; THEN there is none
    found = [str(path.relative_to(ROOT)) for path in sorted(ROOT.rglob("*.py"))
             if "api" not in path.relative_to(ROOT).parts[:1] and raises.search(path.read_text())]
    assert found == []
