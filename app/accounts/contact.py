"""Recognising and normalising the email addresses and mainland mobile numbers people type."""

from __future__ import annotations

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l


class ContactError(ValueError):
    """The text is not a usable email or mainland mobile number; ``str()`` is translated."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# Mainland mobile numbers as people write them (11 digits, optionally +86, spaces or dashes
# as in 138 0013 8000), by the number ranges libphonenumber knows as mobile; the API takes
# only this form (app/api/schemas.py).
MOBILE_PATTERN = (r"^(\+86 ?)?1(?:(?:3[0-9]|4[57]|5[0-35-9]|6[2567]|7[0-35-8]|8[0-9]"
                  r"|9[0-35-9])[ -]?[0-9]{4}|61[ -]?0[0-9]{3})[ -]?[0-9]{4}$")
NOT_A_MOBILE = _l("Enter an 11-digit mainland mobile number, e.g. 138 0013 8000.")


def normalise_phone(raw: str) -> str:
    """A mainland China mobile number in E.164 form (``+8613812345678``).

    Accepts spaces, dashes, full-width digits and a +86 / 0086 prefix.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ContactError(NOT_A_MOBILE) from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
    ):
        raise ContactError(NOT_A_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """A syntactically valid email, lower-cased (no DNS look-up: it must work offline)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ContactError(_l("Enter a valid email address, e.g. name@example.com.")) from None
    return result.normalized.lower()


def looks_like_email(raw: str) -> bool:
    """Email if it has an @ (also the full-width ＠), else treat it as a phone number."""
    return "@" in unicodedata.normalize("NFKC", raw or "")


def normalise_login(raw: str) -> tuple[str, str]:
    """``("email", value)`` or ``("phone", value)`` for what someone typed in a login field."""
    if looks_like_email(raw):
        return "email", normalise_email(raw)
    return "phone", normalise_phone(raw)
