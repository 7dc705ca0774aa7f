"""Real e-mail replies for the quote cutter: the shared real-mail corpus (read where it lies, never copied)
and our own cases for what it lacks (Traditional Chinese clients first, CJK charsets, HTML containers,
bottom-posting, interleaving, signatures, a reply that is all quote)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

REAL_MAIL = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real-mail"
if not (REAL_MAIL / "cases.json").exists():
    REAL_MAIL = Path.cwd().parent / "shared" / "fixtures" / "real-mail"
HAVE_REAL_MAIL = (REAL_MAIL / "cases.json").exists()
needs_real_mail = pytest.mark.skipif(
    not HAVE_REAL_MAIL, reason="the real-mail corpus (../shared/fixtures/real-mail) is not on this machine")


@dataclass(frozen=True)
class MailCase:
    name: str
    raw: bytes
    expected: str  # the customer's words, compared whitespace-insensitively
    absent: tuple[str, ...] = field(default=())  # quoted history that must not show


def same_words(text: str) -> str:
    """Whitespace-insensitive form (NBSPs, zero-width spaces and blank lines collapse)."""
    return re.sub(r"[\s\u00a0\u200b\ufeff]+", " ", text).strip()


def real_mail_cases() -> list[MailCase]:
    if not HAVE_REAL_MAIL:
        return []
    cases = json.loads((REAL_MAIL / "cases.json").read_text(encoding="utf-8"))
    # some files start with blank lines before their first header (as stored upstream)
    return [MailCase(case["file"].removesuffix(".eml"), (REAL_MAIL / case["file"]).read_bytes().lstrip(b"\r\n"),
                     case["expected_reply"]) for case in cases]


def _mail(body: str, *, charset: str = "utf-8", subtype: str = "plain", cte: str = "base64",
          params: dict[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Customer <customer@example.net>"
    message["To"] = "Support <support@example.com>"
    message["Subject"] = "Re: your order"
    message["Message-ID"] = "<own-case@example.net>"
    message.set_content(body.encode(charset), maintype="text", subtype=subtype, cte=cte,
                        params={"charset": charset, **(params or {})})
    return message.as_bytes(policy=SMTP)


def _alternative(plain: str, html: str, charset: str = "utf-8") -> bytes:
    message = EmailMessage()
    message["From"] = "Customer <customer@example.net>"
    message["To"] = "Support <support@example.com>"
    message["Subject"] = "Re: your order"
    message.set_content(plain.encode(charset), maintype="text", subtype="plain", cte="base64",
                        params={"charset": charset})
    message.add_alternative(html.encode(charset), maintype="text", subtype="html", cte="base64",
                            params={"charset": charset})
    return message.as_bytes(policy=SMTP)


SHOP = "Demo Tea House <shop@demo-tea-house.example>"
HISTORY = "Your order TW-1024 has shipped. Track it with the link below."

OWN_CASES: list[MailCase] = [
    MailCase("outlook_zh_tw_big5", _mail(
        "好的，週五下午收貨沒問題，謝謝！\r\n\r\n王小明\r\n\r\n________________________________\r\n"
        f"寄件者: {SHOP}\r\n寄件日期: 2026年11月25日 上午 09:00\r\n收件者: 王小明 <customer@example.net>\r\n"
        f"主旨: 您的訂單已出貨\r\n\r\n{HISTORY}\r\n", charset="big5"),
        "好的，週五下午收貨沒問題，謝謝！\n\n王小明", ("寄件者", "TW-1024")),
    MailCase("outlook_zh_tw_no_rule", _mail(
        "請問可以改寄到公司嗎？\n\n寄件者: Demo Tea House <shop@demo-tea-house.example>\n"
        "寄件日期: 2026年11月25日 星期三 上午 9:00\n"
        f"收件者: customer@example.net\n主旨: RE: 訂單\n\n{HISTORY}\n", charset="big5", cte="8bit"),
        "請問可以改寄到公司嗎？", ("寄件者", "TW-1024")),
    MailCase("gmail_zh_tw", _mail(
        "收到了，茶葉很香！\n\n"
        f"{SHOP} 於 2026年11月25日 週三 上午9:00寫道：\n\n> {HISTORY}\n>\n", cte="quoted-printable"),
        "收到了，茶葉很香！", ("寫道", "TW-1024")),
    MailCase("gmail_zh_tw_wrapped", _mail(
        "收到了，謝謝。\n\nDemo Tea House <shop@demo-tea-house.example> 於 2026年11月25日 週三\n上午9:00寫道：\n\n"
        f"> {HISTORY}\n", charset="big5"),
        "收到了，謝謝。", ("寫道", "TW-1024")),
    MailCase("apple_mail_zh_tw", _mail(
        "可以，謝謝\n\n從我的 iPhone 傳送\n\n> 於 2026年11月25日 上午9:00，Demo Tea House "
        f"<shop@demo-tea-house.example> 寫道：\n> \n> {HISTORY}\n", charset="big5"),
        "可以，謝謝", ("iPhone", "寫道", "TW-1024")),
    MailCase("apple_mail_zh_tw_flowed", _mail(
        "請問這款烏龍茶可以寄到台中嗎？運費大概多 \r\n少？\r\n\r\n從我的 iPhone 傳送\r\n\r\n"
        "> 於 2026年11月25日 上午9:00，Demo "
        f"Tea House <shop@demo-tea-house.example> 寫道：\r\n> \r\n> {HISTORY}\r\n", cte="quoted-printable",
        params={"format": "flowed", "delsp": "yes"}),
        "請問這款烏龍茶可以寄到台中嗎？運費大概多少？", ("iPhone", "寫道", "TW-1024")),
    MailCase("outlook_zh_cn_gb18030", _mail(
        "好的，谢谢！𠀀\n\n发件人: Demo Tea House <shop@demo-tea-house.example>\n发送时间: 2026年11月25日 9:00\n"
        f"收件人: customer@example.net\n主题: 回复: 订单\n\n{HISTORY}\n", charset="gb18030"),
        "好的，谢谢！𠀀", ("发件人", "TW-1024")),
    MailCase("gmail_ja_iso2022jp", _mail(
        "ありがとうございます。金曜日で大丈夫です。\n\n2026年11月25日(水) 9:00 Demo Tea House "
        f"<shop@demo-tea-house.example>:\n\n> {HISTORY}\n", charset="iso-2022-jp", cte="7bit"),
        "ありがとうございます。金曜日で大丈夫です。", ("TW-1024",)),
    MailCase("outlook_ja_shift_jis", _mail(
        "承知しました。\n\n差出人: Demo Tea House <shop@demo-tea-house.example>\n送信日時: 2026年11月25日 9:00\n"
        f"宛先: customer@example.net\n件名: RE: ご注文\n\n{HISTORY}\n", charset="shift_jis", cte="8bit"),
        "承知しました。", ("差出人", "TW-1024")),
    MailCase("gmail_ko_euc_kr", _mail(
        "감사합니다. 금요일에 받을게요.\n\n2026년 11월 25일 (수) 오전 9:00, Demo Tea House "
        f"<shop@demo-tea-house.example>님이 작성:\n\n> {HISTORY}\n", charset="euc-kr"),
        "감사합니다. 금요일에 받을게요.", ("작성", "TW-1024")),
    MailCase("outlook_ru_windows_1251", _mail(
        "Спасибо, всё получил.\n\nОт: Demo Tea House\nОтправлено: 25 ноября 2026 г. 9:00\nКому: customer@example.net\n"
        f"Тема: RE: заказ\n\n{HISTORY}\n", charset="windows-1251", cte="quoted-printable"),
        "Спасибо, всё получил.", ("Отправлено", "TW-1024")),
    MailCase("thunderbird_el_windows_1253", _mail(
        "Ευχαριστώ πολύ!\n\nΣτις 25/11/2026 9:00 π.μ., ο/η Demo Tea House έγραψε:\n"
        f"> {HISTORY}\n", charset="windows-1253", cte="quoted-printable"),
        "Ευχαριστώ πολύ!", ("TW-1024",)),
    MailCase("unknown_charset_label", _mail(
        "Merci, ça marche pour vendredi.\n\nLe mer. 25 nov. 2026 à 09:00, Demo Tea House "
        f"<shop@demo-tea-house.example> a écrit :\n> {HISTORY}\n", charset="utf-8", cte="8bit",
    ).replace(b'charset="utf-8"', b'charset="x-made-up-8bit"'),
        "Merci, ça marche pour vendredi.", ("TW-1024",)),
    MailCase("qq_mail_zh_cn", _mail(
        "好的，明天见。\n\n------------------ 原始邮件 ------------------\n"
        "发件人: \"Demo Tea House\"<shop@demo-tea-house.example>;\n发送时间: 2026年11月25日(星期三) 上午9:00\n"
        f"收件人: \"客户\"<customer@example.net>;\n主题: 订单\n\n{HISTORY}\n", charset="gb18030"),
        "好的，明天见。", ("原始邮件", "TW-1024")),
    MailCase("netease_mail_zh_cn", _mail(
        "收到，谢谢。\n\n在 2026-11-25 09:00:00，\"Demo Tea House\" <shop@demo-tea-house.example> 写道：\n"
        f"> {HISTORY}\n", charset="gbk"),
        "收到，谢谢。", ("写道", "TW-1024")),
    MailCase("zoho_dashed_attribution", _mail(
        "Friday is fine for me.\n\n---- On Wed, 25 Nov 2026 09:00:00 +0800 Demo Tea House "
        f"<shop@demo-tea-house.example> wrote ----\n\n{HISTORY}\n"),
        "Friday is fine for me.", ("wrote", "TW-1024")),
    MailCase("outlook_android_fr_tagline", _mail(
        "Merci, à vendredi !\n\nTélécharger Outlook pour Android<https://aka.ms/ghei36>\n\n"
        "________________________________\nDe : Demo Tea House <shop@demo-tea-house.example>\n"
        "Envoyé : mercredi 25 novembre 2026 09:00\nÀ : client@example.net\nObjet : Votre commande\n\n"
        f"{HISTORY}\n", charset="iso-8859-1", cte="quoted-printable"),
        "Merci, à vendredi !", ("Outlook pour", "TW-1024")),
    MailCase("html_hotmail_rule", _mail((
        "<html><body class='hmmessage'><div dir='ltr'>Got it, thanks.<div><br></div><div>Lin</div><div>"
        '<hr id="stopSpelling">Date: Wed, 25 Nov 2026 09:00:00 +0800<br>Subject: Your order<br>'
        f'From: shop@demo-tea-house.example<br><br><div>{HISTORY}</div></div></div></body></html>'), subtype="html"),
        "Got it, thanks.\n\nLin", ("Subject", "TW-1024")),
    MailCase("html_outlook_mac", _mail((
        '<html><body><div>可以，謝謝。</div><div><br></div><span id="OLK_SRC_BODY_SECTION"><div><b>寄件者: </b>Demo '
        'Tea House &lt;shop@demo-tea-house.example&gt;<br><b>日期: </b>2026年11月25日 週三 上午9:00<br>'
        f'<b>收件者: </b>王小明<br><b>主旨: </b>訂單<br></div><div>{HISTORY}</div></span></body></html>'),
        subtype="html"),
        "可以，謝謝。", ("寄件者", "TW-1024")),
    MailCase("bottom_posted", _mail(
        f"On Wed, Nov 25, 2026 at 9:00 AM {SHOP} wrote:\n> {HISTORY}\n> Anything else?\n\n"
        "Yes: please add a gift card.\n\n-- \nMei Chen\n"),
        "Yes: please add a gift card.", ("TW-1024", "Mei Chen")),
    MailCase("interleaved", _mail(
        f"On Wed, Nov 25, 2026 at 9:00 AM {SHOP} wrote:\n> {HISTORY}\n\nGreat, thanks.\n\n"
        "> Would you like it gift-wrapped?\n\nYes please, in red.\n\n> Anything else?\n\nNo, that's all.\n"),
        "Great, thanks.\n\nYes please, in red.\n\nNo, that's all.", ("TW-1024", "gift-wrapped?", "Anything else")),
    MailCase("all_quote_never_empty", _mail(f"On Wed, Nov 25, 2026 at 9:00 AM {SHOP} wrote:\n> {HISTORY}\n"),
             f"On Wed, Nov 25, 2026 at 9:00 AM {SHOP} wrote:\n> {HISTORY}"),
    MailCase("sent_from_iphone", _mail(
        f"Perfect!\n\nSent from my iPhone\n\n> On Nov 25, 2026, at 09:00, {SHOP} wrote:\n>\n> {HISTORY}\n"),
        "Perfect!", ("iPhone", "TW-1024")),
    MailCase("html_gmail_quote", _alternative("", (
        '<div dir="ltr">Friday works, thank you!<br></div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Wed, Nov 25, 2026 at 9:00 AM Demo Tea House &lt;shop@'
        'demo-tea-house.example&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px '
        f'0.8ex">{HISTORY}</blockquote></div>')),
        "Friday works, thank you!", ("TW-1024", "wrote")),
    MailCase("html_apple_mail_cite_bottom", _mail((
        '<html><body><div>On 25 Nov 2026, at 09:00, Demo Tea House wrote:</div><blockquote type="cite">'
        f'<div>{HISTORY}</div></blockquote><div>OK, see you Friday.</div></body></html>'), subtype="html"),
        "OK, see you Friday.", ("TW-1024",)),
    MailCase("html_outlook_reply_div", _mail((
        '<html><body><div class="WordSection1"><p class="MsoNormal">沒問題，謝謝。</p><div id="appendonsend"></div>'
        '<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">'
        '<font face="Calibri"><b>寄件者:</b> Demo Tea House<br><b>寄件日期:</b> 2026年11月25日 上午 09:00<br>'
        f'<b>收件者:</b> 王小明<br><b>主旨:</b> 訂單</font></div><div>{HISTORY}</div></div></body></html>'),
        subtype="html", charset="big5"),
        "沒問題，謝謝。", ("寄件者", "TW-1024")),
    MailCase("html_yahoo_quoted", _mail((
        '<html><body><div class="ydp1f0c0d5ayahoo-style-wrap">Thanks, received.</div><div id="yahoo_quoted_123" '
        'class="yahoo_quoted"><div>On Wednesday, November 25, 2026, 09:00:00 AM GMT+8, Demo Tea House '
        f'&lt;shop@demo-tea-house.example&gt; wrote:</div><div>{HISTORY}</div></div></body></html>'),
        subtype="html"),
        "Thanks, received.", ("TW-1024", "wrote")),
    MailCase("html_thunderbird", _mail((
        '<html><body><p>Could you ship to my office instead?</p><div class="moz-cite-prefix">On 25/11/2026 09:00, '
        'Demo Tea House wrote:<br></div><blockquote type="cite" cite="mid:abc@example.com">'
        f'<p>{HISTORY}</p></blockquote></body></html>'), subtype="html"),
        "Could you ship to my office instead?", ("TW-1024", "wrote")),
]


def with_envelope(raw: bytes, *, sender: str, to: str, message_id: str) -> bytes:
    """The same mail bytes with our From / To / Message-ID (the body untouched, whatever its charset)."""
    head, separator, body = re.split(rb"(\r?\n\r?\n)", raw, maxsplit=1) if re.search(rb"\r?\n\r?\n", raw) \
        else (raw, b"\r\n\r\n", b"")
    kept: list[bytes] = []
    skipping = False
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() in (b"from", b"to", b"cc", b"message-id")
        if not skipping:
            kept.append(line)
    ours = [f"From: Customer <{sender}>".encode(), f"To: {to}".encode(), f"Message-ID: {message_id}".encode()]
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    return eol.join(ours + kept) + separator + body


def plain_reply(*, sender: str, to: str, body: str, charset: str = "utf-8") -> bytes:
    """A text/plain reply from ``sender`` to ``to`` (a reply+ address), body in ``charset``."""
    return with_envelope(_mail(body, charset=charset), sender=sender, to=to,
                         message_id=f"<{abs(hash((sender, body)))}@mail.example.net>")
