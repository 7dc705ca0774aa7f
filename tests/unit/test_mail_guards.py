"""Pure rules of issue 25: the MIME structure guard, SES's verdicts, identity names, masked search queries."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from chalicelib.errors import InvalidRequest
from chalicelib.members.search_audit import mask_query
from chalicelib.messages.inbound import ses_verdict
from chalicelib.messages.mimeguard import measure
from chalicelib.senders import enclosing_domains, normalise_domain, normalise_email, status_from_ses
from chalicelib.validation import has_line_break
from tests.support_messages import customer_reply, nested_mime_bomb


def test_measure__the_bomb_stops_at_the_21st_level_without_recursion() -> None:
    found = measure(nested_mime_bomb("a@example.com", "b@example.com", depth=100_000))  # far past any stack
    assert found.problem == "MIME parts nested deeper than 20 levels" and found.depth == 21


def test_measure__siblings_are_not_depth_and_closed_levels_are_left() -> None:
    parts = b"".join(b"--outer\r\nContent-Type: multipart/alternative; boundary=in%d\r\n\r\n"
                     b"--in%d\r\nContent-Type: text/plain\r\n\r\nx\r\n--in%d--\r\n" % (i, i, i) for i in range(30))
    raw = b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" + parts + b"--outer--\r\n"
    found = measure(raw)
    assert found.problem is None and found.depth == 2 and found.parts == 61


def test_measure__message_rfc822_counts_as_a_level_and_parts_are_capped() -> None:
    inner = b"Content-Type: message/rfc822\r\n\r\n" * 25 + b"Content-Type: text/plain\r\n\r\nhi\r\n"
    assert measure(inner).problem == "MIME parts nested deeper than 20 levels"
    flat = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\nx\r\n" * 1200 + b"--b--\r\n"
    assert measure(flat).problem == "more than 1000 MIME parts"
    assert measure(customer_reply(sender="a@example.com", reply_to="b@example.com")).problem is None


def _with_results(*values: str) -> EmailMessage:
    message = EmailMessage()
    for value in values:
        message["Authentication-Results"] = value
    return message


def test_ses_verdict__only_the_topmost_ses_header_counts() -> None:
    ses = "amazonses.com; spf=fail smtp.mailfrom=a@example.com; dkim=none; dmarc=none header.from=example.com"
    forged = "amazonses.com; spf=pass; dkim=pass; dmarc=pass"
    assert ses_verdict(_with_results(ses, forged)) == {"spf": "fail", "dkim": "none", "dmarc": "none"}
    assert ses_verdict(_with_results("mx.example.net; spf=pass", ses)) == {"spf": "fail", "dkim": "none",
                                                                           "dmarc": "none"}
    assert ses_verdict(EmailMessage()) == {}


@pytest.mark.parametrize(("answer", "status"), [
    ({"VerifiedForSendingStatus": True, "VerificationStatus": "SUCCESS"}, "verified"),
    ({"VerifiedForSendingStatus": False, "VerificationStatus": "PENDING"}, "pending"),
    ({"VerifiedForSendingStatus": False, "VerificationStatus": "TEMPORARY_FAILURE"}, "pending"),
    ({"VerifiedForSendingStatus": False, "VerificationStatus": "FAILED"}, "failed"),
])
def test_status_from_ses(answer: dict[str, object], status: str) -> None:
    assert status_from_ses(answer) == status


def test_identity_names__one_spelling_whatever_the_case_or_a_trailing_dot() -> None:
    assert normalise_email("Hello@Shop.Example.") == "hello@shop.example"
    assert normalise_domain(" Shop.EXAMPLE. ") == "shop.example"
    assert enclosing_domains("mail.shop.example") == ["mail.shop.example", "shop.example"]
    for bad in ("localhost", "-shop.example", "shop..example", "shöp.example", "a" * 64 + ".example"):
        with pytest.raises(InvalidRequest):
            normalise_domain(bad)


@pytest.mark.parametrize(("by", "value", "masked"), [
    ("phone", "0912 345 678", "******5678"), ("phone", "+886912345678", "********5678"), ("phone", "12", "**"),
    ("email", "Amy.Chen@Example.com", "a***@example.com"), ("name", "Amy", "A**")])
def test_mask_query(by: str, value: str, masked: str) -> None:
    assert mask_query(by, value) == masked


@pytest.mark.parametrize("text", ["a\rb", "a\nb", "a\x0bb", "a\x0cb", "a\x85b", "a\u2028b", "a\u2029b", "a\x1cb"])
def test_has_line_break__every_break_python_splits_lines_on(text: str) -> None:
    assert has_line_break(text) and len(text.splitlines()) == 2


def test_has_line_break__one_line_text() -> None:
    assert not has_line_break("Autumn teas: 20% off \u00a0 🍵 — 秋茶")
