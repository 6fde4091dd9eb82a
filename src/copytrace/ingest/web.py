"""Web formats: HTML pages and WARC archives; main text extracted with trafilatura."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

from copytrace.document import Document, Problem
from copytrace.ingest.text import BadInput, decode, max_doc_bytes, parse_date, too_big

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def extract_html(html: str, url: str | None = None) -> dict | None:
    """Main text and metadata of a page, or None when the page has no main text."""
    import trafilatura

    result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                         include_tables=True, favor_recall=True)
    if result is None:
        return None
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = data.get("text") or ""
    if not text.strip():
        return None
    return {"text": text, "title": data.get("title"), "date": parse_date(data.get("date")),
            "url": data.get("url") or url}


def read_html(path: Path) -> Iterator[Document | Problem]:
    if (why := too_big(path.stat().st_size)) is not None:
        yield Problem(str(path), why)
        return
    try:
        html = decode(path.read_bytes())
    except BadInput as e:
        yield Problem(str(path), str(e))
        return
    if not html.strip():
        yield Problem(str(path), "empty document")
        return
    data = extract_html(html)
    if data is None:
        yield Problem(str(path), "no main text found in the HTML")
        return
    yield Document(id=path.stem, text=data["text"], path=str(path), url=data["url"],
                   title=data["title"], date=data["date"], meta={"id_from_name": True})


def read_warc(path: Path) -> Iterator[Document | Problem]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    class QuietIterator(ArchiveIterator):
        INC_RECORD = ""  # warcio writes this warning, with raw bytes, to stderr; counted below

    n = 0
    found = False
    records = None
    with path.open("rb") as fh:
        try:
            records = QuietIterator(fh)
            for record in records:
                if record.rec_type != "response":
                    continue
                n += 1
                uri = record.rec_headers.get_header("WARC-Target-URI")
                ctype = (record.http_headers.get_header("Content-Type") or "") \
                    if record.http_headers else ""
                if "html" not in ctype.lower():
                    continue
                found = True
                declared = int(record.rec_headers.get_header("Content-Length") or 0)
                if (why := too_big(declared)) is not None:
                    yield Problem(str(path), f"{uri}: {why}", n)
                    continue  # the iterator skips the unread payload
                payload = record.content_stream().read(max_doc_bytes() + 1)
                if (why := too_big(len(payload))) is not None:
                    yield Problem(str(path), f"{uri}: {why}", n)
                    continue
                if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than declared
                    yield Problem(str(path), f"{uri}: record is truncated (file cut short?)", n)
                    continue
                try:
                    html = decode(payload)
                except BadInput as e:
                    yield Problem(str(path), f"{uri}: {e}", n)
                    continue
                data = extract_html(html, uri)
                if data is None:
                    yield Problem(str(path), f"{uri}: no main text found in the HTML", n)
                    continue
                doc_id = uri or record.rec_headers.get_header("WARC-Record-ID") or f"{path.name}#{n}"
                yield Document(id=doc_id, text=data["text"], path=str(path), url=data["url"],
                               title=data["title"], date=data["date"],
                               meta={"record": n,
                                     "warc_date": record.rec_headers.get_header("WARC-Date")})
        except ArchiveLoadFailed as e:
            yield Problem(str(path), f"not a valid WARC file ({str(e).splitlines()[0]})")
            return
        except (OSError, EOFError, ValueError) as e:
            yield Problem(str(path), f"corrupt WARC data after record {n} ({e})")
            return
        except (AttributeError, TypeError, KeyError, IndexError) as e:
            # warcio's parser on damaged headers (a response without a target URI raises
            # AttributeError inside warcio): the records before it are kept
            yield Problem(str(path), f"corrupt WARC record after record {n} "
                          f"({type(e).__name__} in warcio: {e})")
            return
    if records is not None and records.err_count:
        yield Problem(str(path), f"{records.err_count} WARC record(s) not followed by a blank "
                      "line (a wrong Content-Length?): the documents read around them may be "
                      "cut or hold bytes of the next record")
    if not found:
        yield Problem(str(path), "no HTML responses in the WARC file")
