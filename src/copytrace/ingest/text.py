"""Bytes to text (with encoding repair), plain text files, and date normalization."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from copytrace.document import Document, Problem


class BadInput(ValueError):
    """Raised by helpers with a user-facing reason; readers turn it into a Problem."""


#: The largest document (file, record or web page) a reader accepts, in bytes: a bigger one is
#: skipped with a reason, so one input never takes more memory than this (a 2 MB .jsonl.gz
#: holding one 2 GiB line took 6.3 GB before). Set by ``--max-doc-mb`` (`set_max_doc_mb`).
_MAX_DOC_BYTES = [64 << 20]


def set_max_doc_mb(mb: float) -> None:
    _MAX_DOC_BYTES[0] = max(1, int(mb * (1 << 20)))


def max_doc_bytes() -> int:
    return _MAX_DOC_BYTES[0]


def too_big(size: int) -> str | None:
    """The reason a document of ``size`` bytes is skipped, or None."""
    return None if size <= max_doc_bytes() else over_limit(size)


def over_limit(size: int | None = None) -> str:
    """The reason a document over the limit is skipped (``size`` in bytes, when known: a line
    read through without being kept has none)."""
    what = "document" if size is None else f"document of {size / (1 << 20):,.1f} MB"
    return f"{what} is larger than the {max_doc_bytes() / (1 << 20):g} MB limit " \
        "(--max-doc-mb); skipped"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


_WESTERN = ("cp1252", "latin_1", "iso8859_15")


def legacy_encoding(data: bytes) -> str:
    """The encoding of text that is not UTF-8: charset-normalizer's best guess, except that
    Windows-1252 (the web's "Latin-1") wins whenever it reads the bytes as cleanly as the best
    guess. Single-byte code pages differ only in their upper half, so on Western text the
    detector often ties Windows-1250 with 1252 and picked 1250 ("très" read as "trčs", "ñ" as
    "ń"); on a few bytes it guessed UTF-16 or Chinese."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:1_000_000]))
    if not matches:
        if _reads_as_western(data):
            return "cp1252"
        raise BadInput("not valid UTF-8 and no text encoding could be detected")
    best = min(m.chaos for m in matches)
    tied = [m.encoding for m in matches if m.chaos <= best + 0.01]
    for enc in _WESTERN:
        if enc in tied:
            return "cp1252" if enc == "latin_1" else enc
    if len(data) < 64 and _reads_as_western(data) and not any(
            m.encoding.startswith(("cp125", "iso8859", "mac_", "koi8", "cp8")) for m in matches
            if m.chaos <= best + 0.01):
        return "cp1252"  # too few bytes for a multi-byte guess to mean anything
    return tied[0]


def _reads_as_western(data: bytes) -> bool:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(text)


def _utf16_mark(head: bytes) -> bool:
    """Starts with a UTF-16 byte order mark: its NUL bytes are text, not binary data."""
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _refuse_nul(head: bytes) -> None:
    """Binary data: NUL bytes that are no UTF-16 text (`_utf16_mark`)."""
    if b"\x00" in head and not _utf16_mark(head):
        raise BadInput("binary data (NUL bytes), not text")


def _refuse_control(sample: str) -> None:
    """Binary data read as text: more than 1 character in 100 a control character."""
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        raise BadInput("binary data (control characters), not text")


def stream_encoding(head: bytes) -> str:
    """The encoding to read a record file in, from its first bytes: ``utf-8`` (a character
    cut at the end of ``head`` allowed), else the legacy encoding detected in them
    (`legacy_encoding`).

    A record file is read record by record, so damage is judged by the line: the file is
    refused as binary only when most of its head lies in lines holding NUL bytes or control
    characters (binary formats are full of them); a few such lines are damage to the records
    that hold them, which the reader skips one by one, keeping the rest (a run of zeroed or
    random bytes inside one jsonl record used to lose the whole file). For the same reason a
    head whose valid multi-byte UTF-8 characters outnumber its invalid bytes is UTF-8 with
    damage, not a legacy encoding (which would garble every other non-ASCII record)."""
    if _mostly_damaged(head.split(b"\n"), lambda line: b"\x00" in line) \
            and not _utf16_mark(head):
        raise BadInput("binary data (NUL bytes), not text")
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError:
            continue
    loose = head.decode("utf-8", errors="replace")
    broken = loose.count("\ufffd")
    if sum(1 for c in loose if c > "\x7f") - broken >= broken:
        return "utf-8"
    try:
        encoding = legacy_encoding(head)
    except BadInput:
        if _mostly_damaged(loose.split("\n"), lambda line: "\ufffd" in line):
            raise
        return "utf-8"  # mostly clean lines: the few broken ones are skipped one by one
    if _mostly_damaged(head.decode(encoding, errors="replace").split("\n"), _CONTROL.search):
        raise BadInput("binary data (control characters), not text")
    return encoding


def _mostly_damaged(lines, damaged) -> bool:
    """Whether the lines for which ``damaged`` holds are over half of all, by length."""
    total = sum(len(x) + 1 for x in lines)
    return sum(len(x) + 1 for x in lines if damaged(x)) * 2 > total


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else the encoding charset-normalizer finds; refuse binary."""
    _refuse_nul(data[:65536])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = legacy_encoding(data)
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise BadInput(f"not valid UTF-8 and not valid {encoding}") from None
    _refuse_control(text[:65536])
    return text


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def valid_unicode(s: str) -> str:
    """``s`` as text every output can hold. Python strings can carry lone surrogates that no
    UTF-8 file, SQLite database or terminal accepts: a file name that is not UTF-8 (its bytes
    smuggled in as U+DC80..U+DCFF by the file system decoder) keeps them as ``\\xNN``, so that
    distinct names stay distinct; any other lone surrogate (a ``"\\ud800"`` escape in a JSON
    record) becomes U+FFFD, as a decoder replaces a broken byte."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}"
                              if 0xDC80 <= ord(m.group()) <= 0xDCFF else "\ufffd", s)


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


def read_text(path: Path) -> Iterator[Document | Problem]:
    if (why := too_big(path.stat().st_size)) is not None:
        yield Problem(str(path), why)
        return
    try:
        text = decode(path.read_bytes())
    except BadInput as e:
        yield Problem(str(path), str(e))
        return
    if not text.strip():
        yield Problem(str(path), "empty document")
        return
    yield Document(id=path.stem, text=text, path=str(path), meta={"id_from_name": True})
