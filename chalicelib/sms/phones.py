"""Phone numbers in, E.164 out: ``"+886912345678"`` or ``{"calling_code": "886", "number": "0912345678"}``.

Only valid mobile numbers are accepted (a code sent to a landline never arrives). National notation
(``"0912345678"``) is read in the store's country.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phonenumbers import PhoneNumberType

from chalicelib.errors import InvalidRequest

MAX_INPUT_LENGTH = 32


@dataclass(frozen=True)
class Phone:
    e164: str  # "+886912345678"
    calling_code: str  # "886"
    national_number: str  # "912345678"
    region: str | None  # "TW"

    def scope_for(self, store_country: str) -> str:
        """``domestic`` when the number's calling code is the store country's, else ``international``."""
        import phonenumbers  # its metadata loads with the first number, not at cold start

        return "domestic" if self.calling_code == str(phonenumbers.country_code_for_region(store_country)) \
            else "international"


def _invalid(field: str, why: str = "is not a valid mobile phone number") -> InvalidRequest:
    return InvalidRequest(f"'{field}' {why}; give E.164 (+886912345678) or "
                          "{\"calling_code\": \"886\", \"number\": \"0912345678\"}", field=field, code="invalid_phone")


def parse_phone(value: Any, default_region: str | None, *, field: str = "phone") -> Phone:
    """Parse and validate a mobile number; raises 400 ``invalid_phone`` naming ``field``.

    Parameters
    ----------
    value:
        ``"+886912345678"``, a national number such as ``"0912345678"`` (read in ``default_region``),
        or ``{"calling_code": "886", "number": "0912345678"}``.
    default_region:
        The store's country (ISO 3166-1 alpha-2), used only for national notation.

    Examples
    --------
    >>> parse_phone({"calling_code": "886", "number": "0912345678"}, "TW").e164
    '+886912345678'
    """
    import phonenumbers  # as above: loaded with the first number

    region = default_region
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"calling_code", "number"})
        if unknown:
            raise _invalid(field, f"has an unknown field '{unknown[0]}'")
        code, number = value.get("calling_code"), value.get("number")
        if not isinstance(code, str | int) or isinstance(code, bool) or not isinstance(number, str):
            raise _invalid(field, "needs 'calling_code' and 'number' as strings")
        code = str(code).strip().lstrip("+")
        if not (code.isascii() and code.isdigit()) or len(code) > 4:
            raise _invalid(field, "has an invalid calling code")
        region = phonenumbers.region_code_for_country_code(int(code))
        if region in (None, "ZZ"):
            raise _invalid(field, "has an unknown calling code")
        if region == "001":  # non-geographic codes (+800...): no national notation to read
            text, region = f"+{code}{number}", None
        else:
            text = number.strip()  # national notation, or a full +number (checked against the code below)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise _invalid(field, "must be a string or an object")
    if not text or len(text) > MAX_INPUT_LENGTH:
        raise _invalid(field)
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise _invalid(field) from None
    if isinstance(value, dict) and str(parsed.country_code) != str(value["calling_code"]).strip().lstrip("+"):
        raise _invalid(field, "does not match its calling code")
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.number_type(parsed) not in (
            PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise _invalid(field)
    return Phone(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        calling_code=str(parsed.country_code),
        national_number=str(parsed.national_number),
        region=phonenumbers.region_code_for_number(parsed),
    )


def from_e164(e164: str) -> Phone:
    """A stored E.164 number back into its parts (no mobile check: it was checked when stored)."""
    import phonenumbers  # as above

    parsed = phonenumbers.parse(e164, None)
    return Phone(e164=e164, calling_code=str(parsed.country_code), national_number=str(parsed.national_number),
                 region=phonenumbers.region_code_for_number(parsed))
