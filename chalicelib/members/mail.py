"""Email codes through Amazon SES (moto's SES in the local sandbox and the tests).

The sender address is ``SES_FROM_ADDRESS`` (default ``no-reply@memberlink.local``); it must be a
verified SES identity in AWS. The local stage verifies it on first use, as nobody can click a link there.
"""

from __future__ import annotations

import os

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.logs import logger


def from_address() -> str:
    return os.environ.get("SES_FROM_ADDRESS", "no-reply@memberlink.local")


def send_email(to: str, subject: str, text: str) -> bool:
    """Send a plain-text email; False (logged) when SES refuses or cannot be reached."""
    ses = aws.client("ses")
    message = {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}}
    for attempt in range(2):
        try:
            ses.send_email(Source=from_address(), Destination={"ToAddresses": [to]}, Message=message)
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if attempt == 0 and code == "MessageRejected" and settings().is_local:
                ses.verify_email_identity(EmailAddress=from_address())
                continue
            logger.warning("email failed", extra={"reason": code})
            return False
        except BotoCoreError as exc:
            logger.warning("email failed", extra={"reason": type(exc).__name__})
            return False
    return False
