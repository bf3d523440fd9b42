"""The pydantic ground every form and record stands on: base models, and the field types the
contexts share (a one-line text, a phone number, a note, the ways of talking)."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError


def rule(code: str, field: str) -> PydanticCustomError:
    """A cross-field rule broken; `field` tells the API which answer to point at."""
    return PydanticCustomError(code, code, {"field": field})


def _printable(allow_newlines: bool) -> Any:
    # A single line also refuses the Unicode line and paragraph separators (U+2028, U+2029): they end a
    # line for `str.splitlines`, and so for email headers, as CR and LF do.
    refused = {"Cc", "Cf", "Cs", "Co", "Cn"} | (set() if allow_newlines else {"Zl", "Zp"})

    def check(value: str) -> str:
        for char in value:
            if char in "\n\t" and allow_newlines:
                continue
            if unicodedata.category(char) in refused:
                raise ValueError("contains control or unassigned characters")
        return value

    return AfterValidator(check)


def said_no(answer: object) -> bool:
    """A raw yes/no answer, as JSON or a form gives it, that means no (before any validation)."""
    return answer is False or str(answer).strip().lower() in ("false", "no", "0", "off")


def unique(values: list[Any]) -> list[Any]:
    """The values in their order, each once."""
    return list(dict.fromkeys(values))


# A short single line of text: names, sites, languages. No CR/LF, so it can never reach an email header.
Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _printable(False)
]
# A North American (NANP) number: an optional country code 1, then a three-digit area code and a
# three-digit exchange that each start with 2-9 and are not an N11 service code (411, 911), then four
# digits. The plan is small and fixed, so a pattern says all of it without a numbering library.
_NANP = re.compile(r"^(?:\+?1)?((?:[2-9](?!11)[0-9]{2}))((?:[2-9](?!11)[0-9]{2}))([0-9]{4})$")


def north_american(number: str) -> str | None:
    """`number` in E.164 (`+16045550101`) if it is a North American number, the kind SMS can reach;
    None for any other number."""
    digits = re.sub(r"[ ()\-.]", "", number)
    found = _NANP.match(digits)
    return f"+1{found.group(1)}{found.group(2)}{found.group(3)}" if found else None


def _normalised_phone(value: str) -> str:
    """A North American number is kept in E.164, so a text message can reach it; any other as typed."""
    return north_american(value) or value


Phone = Annotated[
    str,
    # A leading bracket too, as North American numbers are often written: (604) 555-0123.
    StringConstraints(strip_whitespace=True, pattern=re.compile(r"^\+?[0-9(][0-9 ()\-.]{5,22}[0-9]$")),
    AfterValidator(_normalised_phone),
]


def _line_breaks(value: Any) -> Any:
    """A form's textarea sends each line break as CR LF (and old systems a bare CR): one line break each,
    so a note keeps its lines and is measured as it was typed."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


# Free text of a few lines; its line breaks arrive as LF only.
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    _printable(True),
    BeforeValidator(_line_breaks),
]


class Modality(StrEnum):
    """A way of talking: what a person asks for, and what a supporter offers."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class Model(BaseModel):
    # Each model's validator is built on first use, not at import: a handler pays only for the
    # models it uses (matching never builds the request form, the API never builds the roster).
    model_config = ConfigDict(defer_build=True)


class Input(Model):
    """What a person or an operator sends: unknown answers are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)
