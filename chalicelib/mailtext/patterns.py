"""What mail clients write around quoted history, in the languages our merchants' customers use.

Traditional Chinese (Taiwan, Hong Kong) first, then Simplified Chinese, Japanese, Korean, and the
European languages of the clients we have real replies from. Each table is a plain list so a new
client's wording is one line.
"""

from __future__ import annotations

import re

# Verbs (and verb-like endings) of attribution lines: "On <date>, <name> wrote:", "於 <date>，<name> 寫道：".
ATTRIBUTION_VERBS = [
    r"wrote", r"writes", r"schrieb", r"geschrieben", r"a\s+écrit", r"a\s+ecrit", r"escribió", r"escribio",
    r"escrigué", r"ha\s+scritto", r"scrisse", r"escreveu", r"schreef", r"geschreven", r"skrev", r"skriver",
    r"kirjoitti", r"napisał(?:\(a\))?", r"napisala?", r"napsal(?:\(a\))?", r"написал(?:\(а\)|а)?", r"написав(?:ла)?",
    r"пише", r"писал", r"írta", r"yazdı", r"έγραψε", r"a\s+scris", r"kirjutas", r"rašė", r"rakstīja",
]
# The same in scripts without spaces: they follow a date or name directly ("上午9:00寫道：").
ATTRIBUTION_VERBS_CJK = [r"寫道", r"写道", r"寫了", r"写了", r"來信", r"작성", r"님이", r"のメール", r"書きました",
                         r"より"]
# Words an attribution line starts with, besides a date or a name with an address.
ATTRIBUTION_STARTS = [
    r"On", r"Am", r"Le", r"El", r"Il", r"In\s+data", r"Em", r"Op", r"Den", r"Dnia", r"Dne", r"W\s+dniu",
    r"в", r"В", r"在", r"於", r"于", r"Quoting", r"Citando", r"Zitat\s+von",
    # weekdays that start Gmail's localised lines ("ons 4 dec. 2024", "pe 20. lokakuuta", "ср, 30 апр."),
    # followed by a date: "to" and "ma" are words too
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|lun|mar|mer|jeu|ven|sam|dim|mån|tis|ons|tor|fre|lör|sön|man|tir|lør|søn|"
    r"ma|ti|ke|to|pe|la|su|пн|вт|ср|чт|пт|сб|вс|週.|星期.|周.)\w*\.?,?\s+(?:\S+\s+)?\d",
]
# Outlook's header block, by field: the name each client translation uses.
HEADER_FIELDS: dict[str, list[str]] = {
    "from": ["From", "Von", "De", "Da", "Van", "Från", "Fra", "Frå", "Od", "От", "От кого", "Від", "Lähettäjä",
             "Feladó", "Kimden", "Από", "Expéditeur", "Remitente", "Afzender", "Mittente", "Avsändare", "Nadawca",
             "Odesílatel", "Отправитель", "寄件者", "寄件人", "發件人", "发件人", "差出人", "送信者", "보낸 사람",
             "보낸사람"],
    "sent": ["Sent", "Date", "Gesendet", "Datum", "Envoyé", "Envoyé le", "Enviado", "Enviado el", "Enviada em",
             "Enviado em", "Fecha", "Inviato", "Data", "Verzonden", "Skickat", "Sendt", "Dato", "Wysłano",
             "Wysłane", "Odesláno", "Отправлено", "Дата", "Надіслано", "Lähetetty", "Päivämäärä", "Elküldve",
             "Dátum", "Gönderilme", "Tarih", "Στάλθηκε", "Ημερομηνία", "寄件日期", "已傳送", "傳送時間", "傳送日期",
             "發送時間", "发送时间", "日期", "時間", "送信日時", "日付", "보낸 날짜", "날짜"],
    "to": ["To", "An", "À", "A", "Para", "Aan", "Till", "Til", "Do", "Кому", "Komu", "Vastaanottaja", "Címzett",
           "Kime", "Προς", "Destinataire", "Destinatario", "收件者", "收件人", "宛先", "받는 사람", "받는사람"],
    "cc": ["Cc", "Kopie", "Kopia", "Kopi", "Копия", "Копія", "Másolat", "Κοιν", "副本", "抄送", "複本", "참조"],
    "subject": ["Subject", "Betreff", "Objet", "Sujet", "Asunto", "Oggetto", "Onderwerp", "Ämne", "Emne", "Temat",
                "Předmět", "Тема", "Aihe", "Tárgy", "Konu", "Θέμα", "Assunto", "主旨", "主题", "主題", "件名", "제목"],
    "reply_to": ["Reply-To", "Risposta", "Antwort an", "Répondre à", "Responder a", "Svara till", "回覆至", "回复至"],
}
# "-----Original Message-----" and the forward banners, in translation.
SEPARATOR_PHRASES = [
    r"Original\s+Message", r"Forwarded\s+message", r"Forwarded\s+Message", r"Ursprüngliche\s+Nachricht",
    r"Weitergeleitete\s+Nachricht", r"Oprindelig\s+meddelelse", r"Oprindelig\s+besked", r"Videresendt\s+meddelelse",
    r"Message\s+d'origine", r"Message\s+transféré", r"Message\s+original", r"Mensaje\s+original",
    r"Mensaje\s+reenviado", r"Messaggio\s+originale", r"Messaggio\s+inoltrato", r"Mensagem\s+original",
    r"Mensagem\s+encaminhada", r"Oorspronkelijk\s+bericht", r"Origineel\s+bericht", r"Doorgestuurd\s+bericht",
    r"Opprinnelig\s+melding", r"Videresendt\s+melding", r"Ursprungligt\s+meddelande", r"Vidarebefordrat\s+meddelande",
    r"Alkuperäinen\s+viesti", r"Välitetty\s+viesti", r"Původní\s+zpráva", r"Přeposlaná\s+zpráva",
    r"Oryginalna\s+wiadomość", r"Wiadomość\s+przekazana", r"Исходное\s+сообщение", r"Пересылаемое\s+сообщение",
    r"Пересланное\s+сообщение", r"Оригінальне\s+повідомлення", r"Eredeti\s+üzenet", r"Orijinal\s+ileti",
    r"原始郵件", r"原始邮件", r"轉寄郵件", r"转发邮件", r"轉寄的郵件", r"已轉寄郵件",
    r"元のメッセージ", r"転送メッセージ",
    r"원본\s*메시지", r"전달된\s*메시지",
]
# Lines that open a forwarded message without a dash banner (Apple Mail and translations).
FORWARD_LINES = [r"Begin\s+forwarded\s+message", r"Anfang\s+der\s+weitergeleiteten\s+(E-Mail|Nachricht)",
                 r"Début\s+du\s+message\s+réexpédié", r"Inicio\s+del\s+mensaje\s+reenviado",
                 r"Inizio\s+messaggio\s+inoltrato", r"Início\s+da\s+mensagem\s+reencaminhada",
                 r"Begin\s+doorgestuurd\s+bericht", r"Vidarebefordrat\s+brev", r"Videresendt\s+besked",
                 r"以下為轉寄郵件", r"以下是转发的邮件", r"转发的邮件", r"転送されたメッセージ"]
# Mobile and webmail taglines ("Sent from my iPhone", "從我的 iPhone 傳送", "Get Outlook for iOS"): the
# client puts them right under the customer's words, so nothing after one is theirs.
SENT_FROM = [
    r"Sent\s+from\s+my\s+\S.{0,40}", r"Sent\s+from\s+(Mail|Yahoo|Outlook|AOL|Samsung|Proton|Zoho|Windows|Gmail|"
    r"Spark|BlueMail|Blue\s+Mail|Edison|Newton|Aqua|Huawei|Xiaomi|the\s+\S+\s+app)\b.{0,50}",
    r"Sent\s+(with|via|using)\s+(Proton|Spark|BlackBerry|Airmail|Superhuman|Newton|Blue\s*Mail|Hey|Outlook|Gmail|"
    r"Mailbird|eM\s+Client|Yahoo|Samsung)\b.{0,40}",
    r"Get\s+Outlook\s+for\s+\S.{0,40}", r"Télécharger\s+Outlook\s+pour\s+\S.{0,40}",
    r"Outlook\s+für\s+\S+\s+(beziehen|herunterladen).{0,40}", r"Obt(ener|er\s+o)\s+Outlook\s+para\s+\S.{0,40}",
    r"Scarica\s+Outlook\s+per\s+\S.{0,40}", r"Outlook\s+voor\s+\S+\s+downloaden.{0,40}",
    r"(Hent|Skaffa|Hanki)\s+Outlook\s+\S.{0,40}", r"(取得|获取|獲取)\s*\S+\s*版\s*Outlook.{0,20}",
    r"\S+\s*版\s*Outlook\s*を入手.{0,20}", r"\S+용\s*Outlook\s*받기.{0,20}",
    r"Envoyé\s+(de|depuis|à\s+partir\s+de)\s+(mon|ma|l'|Yahoo|Outlook|Mail|Proton)\b.{0,50}",
    r"Von\s+meine[mr]\s+.{1,40}gesendet\.?", r"Gesendet\s+(von|mit|vom)\s+(meine[mr]\s+)?\S.{0,50}",
    r"Diese\s+Nachricht\s+wurde\s+von\s+meinem\s+.{1,60}gesendet\.?",
    r"Enviad[oa]\s+(desde|do|de|a\s+partir\s+do)\s+(mi|meu|o|a|Yahoo|Outlook|Correo|iPhone|Samsung)\b.{0,50}",
    r"Inviato\s+da\s+\S.{0,50}", r"(Verzonden|Verstuurd)\s+(vanaf|met|van)\s+\S.{0,50}",
    r"Skickat\s+från\s+\S.{0,50}", r"Sendt\s+fra\s+\S.{0,50}",
    r"Lähetetty\s+\S.{0,40}(laitteesta|puhelimesta|iPhonesta|Androidista|sovelluksesta)\b.{0,20}",
    r"Wysłan[eo]\s+z\s+\S.{0,50}", r"Odesláno\s+z\s+\S.{0,50}",
    r"Отправлено\s+(с|из)\s+\S.{0,50}", r"Надіслано\s+з\s+\S.{0,50}",
    r"從我的\s*\S.{0,30}(傳送|發送)", r"寄自我的\s*\S.{0,30}", r"(从|從)我的\s*\S.{0,30}发送", r"发自我的\s*\S.{0,30}",
    r"來自我的\s*\S.{0,30}", r"\S.{0,30}から送信(しました)?", r"내\s+\S.{0,30}에서\s+보냄", r"\S{1,30}에서\s*보냄",
]


def _alternation(words: list[str]) -> str:
    return "|".join(words)


VERB = re.compile(rf"(?:(?:^|[\s\"'>)\]])(?:{_alternation(ATTRIBUTION_VERBS)})(?:\s+\S+){{0,8}}"
                  rf"|(?:{_alternation(ATTRIBUTION_VERBS_CJK)}))\s*[:：]\s*$", re.IGNORECASE)
START = re.compile(rf"^(?:{_alternation(ATTRIBUTION_STARTS)})(?:\s|,|$|(?<=\d))", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
DATE = re.compile(r"\d{1,2}:\d{2}|\b(?:19|20)\d{2}\b|\d{4}[-/.年]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|"
                  r"\d+\s*月\s*\d+|\d+년")
FIELD_NAMES = {field: [re.escape(name).replace(r"\ ", r"\s*") for name in names]
               for field, names in HEADER_FIELDS.items()}
HEADER_LINE = re.compile(
    r"^[*\s]*(?P<name>" + _alternation([name for names in FIELD_NAMES.values() for name in names]) +
    r")[*\s]*[:：]", re.IGNORECASE)
SEPARATOR = re.compile(rf"^[-_=*\s]*[-_=]{{2,}}\s*(?:{_alternation(SEPARATOR_PHRASES)})\s*[-_=]*\s*$", re.IGNORECASE)
DASHED_PHRASE = re.compile(r"^\s*[-=]{3,}\s*\S.{0,60}?\s*[-=]{3,}\s*$")
RULE = re.compile(r"^\s*(?:_{10,}|-{20,}|={20,})\s*$")
FORWARD = re.compile(rf"^(?:{_alternation(FORWARD_LINES)})\s*[:：]?\s*$", re.IGNORECASE)
SENT_FROM_LINE = re.compile(rf"^(?:{_alternation(SENT_FROM)})$", re.IGNORECASE)
SIGNATURE_DELIMITER = re.compile(r"^--\s?$|^—\s?$|^__\s?$")


def field_of(name: str) -> str | None:
    """Which header field a (translated) name is: from, sent, to, cc, subject, reply_to."""
    for field, names in FIELD_NAMES.items():
        if any(re.fullmatch(pattern, name.strip(), re.IGNORECASE) for pattern in names):
            return field
    return None
