"""The ``/u/{token}`` pages a customer reads, in their store's language (chalicelib/i18n): the question with
its button, the confirmation, and "this link is not valid" (in the reader's browser language: no store known).
"""

from __future__ import annotations

import base64
import hashlib
import html

from chalicelib import i18n
from chalicelib.i18n import N_

STOP_QUESTION = {"email_marketing": N_("Stop receiving marketing e-mails from %(store_name)s?"),
                 "sms_marketing": N_("Stop receiving marketing text messages from %(store_name)s?")}
STOPPED = {"email_marketing": N_("You will no longer receive marketing e-mails from this store."),
           "sms_marketing": N_("You will no longer receive marketing text messages from this store.")}
UNSUBSCRIBE, UNSUBSCRIBED = N_("Unsubscribe"), N_("You are unsubscribed")
NOT_VALID_TITLE, NOT_VALID = N_("Link not valid"), N_("This link is not valid")
NOT_VALID_HINT = N_("Check that you copied the whole link from the e-mail.")
# Latin first, then the CJK faces of Windows, macOS / iOS, Android and Linux: Chinese never falls to a bitmap font.
FONTS = ('system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans TC","PingFang TC","Microsoft JhengHei",'
         '"Heiti TC","Source Han Sans TC",sans-serif')
STYLE = (f"body{{font-family:{FONTS};max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.6}}"
         "button{font:inherit;padding:.6rem 1.2rem}")
# The pages run no script and load nothing: only their own style (by hash) and a form posting back to us.
# Strict because a page shows a store's name and sits on the API's origin, beside the console.
CONTENT_SECURITY_POLICY = ("default-src 'none'; "
                           f"style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
                           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def _t(language: str, message: str, **values: str) -> str:
    return html.escape(i18n.translate(language, message, **values))


def page(language: str, title: str, body: str) -> str:
    return (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex">'
            f'<title>{_t(language, title)}</title><style>{STYLE}</style></head>'
            f'<body>{body}</body></html>')


def question(language: str, purpose: str, store_name: str) -> str:
    """The GET page: a question and a button (a GET never unsubscribes: link scanners follow every GET)."""
    button, ask = _t(language, UNSUBSCRIBE), _t(language, STOP_QUESTION[purpose], store_name=store_name)
    return page(language, UNSUBSCRIBE, f"<h1>{button}</h1><p>{ask}"
                                       f'</p><form method="post"><input type="hidden" name="List-Unsubscribe" '
                                       f'value="One-Click"><button type="submit">{button}</button></form>')


def unsubscribed(language: str, purpose: str) -> str:
    return page(language, UNSUBSCRIBED, f"<h1>{_t(language, UNSUBSCRIBED)}</h1><p>{_t(language, STOPPED[purpose])}</p>")


def not_valid(accept_language: str | None) -> str:
    """No store to ask (a forged or mangled link): the reader's browser decides, Chinese or English."""
    language = i18n.ZH_HANT if (accept_language or "").strip().lower().startswith("zh") else i18n.EN
    return page(language, NOT_VALID_TITLE, f"<h1>{_t(language, NOT_VALID)}</h1><p>{_t(language, NOT_VALID_HINT)}</p>")
