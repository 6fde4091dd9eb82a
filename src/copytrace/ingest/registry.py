"""The readers, by file name: one row per input format. The command line's help, the README's
table of inputs and `read_file` all come from `READERS`, so adding a format is one row here plus
its reader function.

Readers are named as ``module:function`` and imported when first used, so that listing them
(``copytrace --help``) loads no parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path


@dataclass(frozen=True)
class Reader:
    name: str
    suffixes: tuple[str, ...]  # file name endings, lower case
    function: str  # "module:function"; called as function(path) or function(path, fields)
    documents: str  # what becomes a document
    fields: str  # what is read besides the text
    record_fields: bool = False  # takes a FieldMap (--id-field, --text-field)

    def load(self):
        module, name = self.function.split(":")
        return getattr(import_module(module), name)


READERS: tuple[Reader, ...] = (
    Reader("text", (".txt", ".md"), "copytrace.ingest.text:read_text",
           "one per file; id = file name without extension",
           "date: the page's dateline (below)"),
    Reader("html", (".html", ".htm"), "copytrace.ingest.web:read_html",
           "one per file; main text extracted by trafilatura", "title, date, url from the page"),
    Reader("jsonl", (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"),
           "copytrace.ingest.records:read_jsonl", "one per line",
           "`id`, `text`, optional `url`, `date`, `title`, `source`", record_fields=True),
    Reader("csv", (".csv", ".csv.gz"), "copytrace.ingest.records:read_csv", "one per row",
           "same fields as jsonl", record_fields=True),
    Reader("parquet", (".parquet",), "copytrace.ingest.records:read_parquet", "one per row",
           "same fields as jsonl", record_fields=True),
    Reader("warc", (".warc", ".warc.gz"), "copytrace.ingest.web:read_warc",
           "one per HTML response", "id = target URL"),
)

#: Every file name ending a reader takes, and its reader.
BY_SUFFIX: dict[str, Reader] = {s: r for r in READERS for s in r.suffixes}
_LONGEST_FIRST = sorted(BY_SUFFIX, key=len, reverse=True)

#: The endings, as one line (for messages).
SUPPORTED = " ".join(BY_SUFFIX)


def reader_for(path: Path) -> Reader | None:
    """The reader of a file, by the longest ending of its name that a reader takes."""
    name = path.name.lower()
    return next((BY_SUFFIX[s] for s in _LONGEST_FIRST if name.endswith(s)), None)


def help_list() -> str:
    """The endings in short form for ``--help`` (".jsonl[.gz]" for ".jsonl" and ".jsonl.gz")."""
    out = []
    for s in BY_SUFFIX:
        if s.endswith(".gz") and s[:-3] in BY_SUFFIX:
            continue
        out.append(s + "[.gz]" if s + ".gz" in BY_SUFFIX else s)
    return " ".join(out)


def markdown_table() -> str:
    """The README's table of inputs."""
    rows = ["| file | documents | fields |", "|---|---|---|"]
    rows += [f"| {', '.join(f'`{s}`' for s in r.suffixes)} | {r.documents} | {r.fields} |"
             for r in READERS]
    return "\n".join(rows)
