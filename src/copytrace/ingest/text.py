"""Bytes to text (with encoding repair), plain text files, and date normalization."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from copytrace.document import Document, Problem


class BadInput(ValueError):
    """Raised by helpers with a user-facing reason; readers turn it into a Problem."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else the encoding charset-normalizer finds; refuse binary."""
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInput("binary data (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:1_000_000]).best()
        if best is None or best.encoding is None:
            raise BadInput("not valid UTF-8 and no text encoding could be detected") from None
        try:
            text = data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            raise BadInput(f"not valid UTF-8 and not valid {best.encoding}") from None
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        raise BadInput("binary data (control characters), not text")
    return text


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y",
                 "%Y%m%d")


def parse_date(value) -> str | None:
    """An ISO 8601 string ('2023-03-19' or '2023-03-19T10:00:00') for comparable dates, else None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat() if value.time() != datetime.min.time() \
            else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value).strip()
    if not s:
        return None
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return parse_date(d)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# "date 2023-03-19", "Date: 2023-03-19", "Published: 2023-03-19" at the very top of a text file
_HEADER_DATE = re.compile(
    r"\A\W{0,5}(?:date|dated|published|posted)\s*[:\-]?\s*(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)


def sniff_date(text: str) -> str | None:
    """A date given as a labelled header at the start of a plain-text document."""
    m = _HEADER_DATE.match(text[:200])
    return parse_date(m.group(1)) if m else None


def read_text(path: Path) -> Iterator[Document | Problem]:
    try:
        text = decode(path.read_bytes())
    except BadInput as e:
        yield Problem(str(path), str(e))
        return
    if not text.strip():
        yield Problem(str(path), "empty document")
        return
    yield Document(id=path.stem, text=text, path=str(path), date=sniff_date(text),
                   meta={"id_from_name": True})
