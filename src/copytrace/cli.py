"""The ``copytrace`` command: scan, compare, dedup, index, serve."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from copytrace import __version__
from copytrace.document import NEITHER, Document, Problem
from copytrace.ingest.registry import help_list
from copytrace.keep import PREFER
from copytrace.cli_help import use_grouped_help
from copytrace.outputs import counted
from copytrace.relations import NONE, VERBATIM

app = typer.Typer(
    name="copytrace",
    help="Find which documents copy which -- verbatim, edited, machine-spun, rewritten or "
         "translated -- with aligned passages, copy families, their sources, and the stories "
         "that independent documents share.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out_console = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_FATAL, EXIT_SKIPPED = 0, 1, 2
_STYLE = {"error": "red", "skipped": "yellow", "note": "yellow"}


def _say(kind: str, message: object) -> None:
    """One message on stderr; user text (paths, reasons) is never read as rich markup."""
    err.print(f"[{_STYLE[kind]}]{kind}:[/] {escape(str(message))}", markup=True, highlight=False,
              soft_wrap=True)


def _bars(enabled: bool):
    """Progress bars on the command's stderr console (`copytrace.progress.RichProgress`)."""
    from copytrace.progress import RichProgress

    return RichProgress(enabled, err)


class _Fatal(Exception):
    pass


def _documents(items, problems: list[Problem], strict: bool, quiet: bool):
    """The Documents of a read; each Problem is collected and reported (or, with --strict,
    raised as _Fatal)."""
    for got in items:
        if isinstance(got, Document):
            yield got
            continue
        problems.append(got)
        if strict:
            raise _Fatal(f"{got} (--strict: stopping)")
        if not quiet:
            _say("skipped", got)


def _run_scan(inputs: list, id_field: str, text_field: str, strict: bool, quiet: bool,
              max_doc_mb: float, **options):
    """`copytrace.api.scan` with progress bars and messages on stderr; exits with EXIT_FATAL
    when nothing usable was read (or, with --strict, at the first unusable input)."""
    from copytrace.api import NoDocuments, StrictStop, scan

    try:
        return scan(inputs, id_field=id_field, text_field=text_field, max_doc_mb=max_doc_mb,
                    strict=strict, progress=_bars(not quiet),
                    on_skip=None if quiet else (lambda p: _say("skipped", p)),
                    cold_start=_cold_start(quiet),
                    **options)
    except StrictStop as e:
        _say("error", f"{e.problem} (--strict: stopping)")
        raise typer.Exit(EXIT_FATAL) from None
    except NoDocuments:
        _say("error", "no documents could be read from the inputs.")
        raise typer.Exit(EXIT_FATAL) from None


def _say_if_compiling() -> None:
    """A first run compiles the numba kernels (about 20 s on 2 cores: `copytrace.coldstart`):
    say so, rather than sit silent."""
    from copytrace.coldstart import cold

    if cold():
        _say_cold_start("compile")


def _say_cold_start(what: str) -> None:
    """What a first run does about kernels numba has not compiled yet
    (`copytrace.coldstart`): a small job runs them uncompiled, a larger one compiles them."""
    from copytrace.coldstart import INTERPRET

    if what == INTERPRET:
        _say("note", "first run: this small job runs copytrace's kernels uncompiled; a "
             "background process compiles them for later runs (about 20 s)")
    else:
        _say("note", "first run: compiling copytrace's kernels (about 20 s, once; later runs "
             "load them from numba's cache)")


def _cold_start_said_nowhere(what: str) -> None:
    """`_say_cold_start` under --quiet or --json: the same choice, said nowhere."""


def _cold_start(silent: bool):
    """The ``cold_start`` callback of a command (`copytrace.coldstart.first_run`)."""
    return _cold_start_said_nowhere if silent else _say_cold_start


def _options(**options):
    """`copytrace.api.ScanOptions` of the command's flags, checked: an option out of range is
    a usage error against its flag, with the message the Python API gives."""
    from copytrace.api import OptionError, ScanOptions

    opts = ScanOptions(**options)
    try:
        opts.config()
    except OptionError as e:
        raise typer.BadParameter(e.reason, param_hint="--" + e.name.replace("_", "-")) from None
    return opts


def _grouped(group: str, *args, **kwargs):
    """An option listed under ``group`` in --help (`copytrace.cli_help`)."""
    return typer.Option(*args, rich_help_panel=group, **kwargs)


InputsArg = typer.Argument(..., metavar="INPUT", show_default=False,
                           help=f"Files and folders to read ({help_list()}); folders are "
                           "walked recursively.")
IdField = _grouped("Input", "id", "--id-field", help="Record field holding the document id.")
TextField = _grouped("Input", "text", "--text-field",
                     help="Record field holding the document text.")
Workers = _grouped("Run", None, "--workers", "-w", help="Threads to use [default: all cores].")
Threshold = _grouped("Detection", 0.3, "--threshold",
                     help="Target Jaccard similarity (5-word shingles) for candidate search, "
                     "0.01-0.99; LSH bands and rows are derived from it.")
NumPerm = _grouped("Detection", 128, "--num-perm",
                   help="MinHash functions per signature (8-1024).")
Bands = _grouped("Detection", None, "--bands",
                 help="LSH bands (overrides --threshold; needs --rows).")
Rows = _grouped("Detection", None, "--rows", help="LSH rows per band (with --bands).")
BoilerMin = _grouped("Detection", 4, "--boilerplate-min-docs",
                     help="A line recurring in at least this many (2 or more) otherwise "
                     "different documents is boilerplate.")
Spin = _grouped("Detection", True, "--spin/--no-spin",
                help="Score every document for machine spinning even without its source "
                "(spun_score; about 0.3 ms per document). --no-spin leaves it null.")
Spun = _grouped("Detection", True, "--spun/--no-spun",
                help="Find spun copies of documents in the corpus (synonym-substituted "
                "text): align skeletons of function words, names and numbers.")
Semantic = _grouped("Detection", True, "--semantic/--no-semantic",
                    help="Find rewrites, translations and documents about the same story "
                    "with a multilingual sentence encoder (about 1 ms per sentence; only "
                    "documents sharing names and numbers with another, or nearest to one "
                    "in another language, have their sentences embedded).")
Probes = _grouped("Detection", True, "--probes/--no-probes",
                  help="Look at the first 600 characters of every document: documents "
                  "whose topic vectors are each other's nearest are the same story (about "
                  "0.1 ms each), and, in a corpus of several languages, documents nearest "
                  "by their encoder probes in other languages are compared as translations "
                  "(about 7 ms each). Off: only documents sharing names and numbers are "
                  "compared by meaning.")
MinPassage = _grouped("Detection", 40, "--min-passage-words",
                      help="A passage of at least this many (8-10,000) closely matched words is "
                      "reuse on its own: a pair sharing one but too little to be a copy "
                      "is reported as 'partial' (in pairs.jsonl, never a family).")
MaxDoc = _grouped("Input", 64.0, "--max-doc-mb", min=0.001, metavar="MB",
                  help="Skip (and list in skipped.jsonl) any document, record or web page "
                  "larger than this: one input never takes more memory than this.")
Strict = _grouped("Input", False, "--strict", help="Stop at the first unreadable input (exit 1).")
Quiet = _grouped("Run", False, "--quiet", "-q", help="No progress bars or per-input warnings.")


def _limit(max_doc_mb: float) -> None:
    """The largest document the readers accept (`copytrace.ingest.text.set_max_doc_mb`)."""
    from copytrace.ingest.text import set_max_doc_mb

    set_max_doc_mb(max_doc_mb)


def _finish(problems: list[Problem], quiet: bool) -> int:
    if problems:
        if not quiet:
            err.print(f"[yellow]{counted(len(problems), 'input')} skipped[/] (listed above "
                      "and in the output).", markup=True, highlight=False)
        return EXIT_SKIPPED
    return EXIT_OK


class Engine(str, Enum):
    local = "local"
    spark = "spark"


class Format(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


@app.command()
def scan(
    inputs: list[str] = typer.Argument(
        ..., show_default=False, metavar="INPUT",
        help=f"Files and folders to read ({help_list()}); folders are walked recursively. "
        "With --engine spark also URIs Spark can read (hdfs://, s3a://, gs://, file://...)."),
    out: str = typer.Option(..., "--out", "-o", metavar="DIR", rich_help_panel="Output",
                            help="Output folder (created if missing; a URI with --engine "
                            "spark)."),
    fmt: Format = typer.Option(Format.jsonl, "--format", rich_help_panel="Output",
                               help="jsonl, or parquet (documents.parquet and pairs.parquet; "
                               "with Spark, folders of parquet parts)."),
    max_report_pairs: int = typer.Option(500, rich_help_panel="Output", help="Pairs shown in "
                                         "report.html (all are in pairs.jsonl)."),
    id_field: str = IdField,
    text_field: str = TextField,
    max_doc_mb: float = MaxDoc,
    strict: bool = Strict,
    threshold: float = Threshold,
    num_perm: int = NumPerm,
    bands: Optional[int] = Bands,
    rows: Optional[int] = Rows,
    boilerplate_min_docs: int = BoilerMin,
    spin: bool = Spin,
    spun: bool = Spun,
    semantic: bool = Semantic,
    probes: bool = Probes,
    min_passage_words: int = MinPassage,
    workers: Optional[int] = Workers,
    quiet: bool = Quiet,
    engine: Engine = typer.Option(Engine.local, "--engine", rich_help_panel="Spark",
                                  help="local: this process, all cores. spark: Apache Spark "
                                  "(pip install 'copytrace[spark]'), same stages and same "
                                  "results, for corpora beyond one machine."),
    master: Optional[str] = typer.Option(None, "--master", metavar="URL", rich_help_panel="Spark",
                                         help="Spark master URL (spark://..., yarn, k8s://..., "
                                         "local[N]) [default: the active session's, else "
                                         "local[*]]."),
    conf: list[str] = typer.Option([], "--conf", metavar="KEY=VALUE", rich_help_panel="Spark",
                                   help="Spark setting KEY=VALUE (repeatable), e.g. --conf "
                                   "spark.executor.memory=8g."),
    work_dir: Optional[str] = typer.Option(None, "--work-dir", metavar="DIR",
                                           rich_help_panel="Spark", help="Spark: folder for "
                                           "the stages' intermediate tables (default: "
                                           "OUT/_work, removed at the end)."),
) -> None:
    """Scan a corpus: copy families, stories, aligned passages and sources.

    Finds verbatim, edited, spun, rewritten and translated copies,
    documents about the same story, and passages lifted into otherwise
    different documents (partial).

    Writes OUT/documents.jsonl (one line per document),
    OUT/pairs.jsonl (one line per related pair, passages as character offsets),
    OUT/report.html, OUT/skipped.jsonl and OUT/stats.json.
    With --engine spark: OUT/documents/ and OUT/pairs/ (the same records as part files,
    in the same order), OUT/skipped.jsonl and OUT/stats.json.
    Exit code 0: every input read; 2: some inputs skipped; 1: fatal error.
    """
    opts = _options(threshold=threshold, num_perm=num_perm, bands=bands, rows=rows,
                    boilerplate_min_docs=boilerplate_min_docs, spin=spin, spun=spun,
                    semantic=semantic, probes=probes, min_passage_words=min_passage_words,
                    workers=workers)
    if engine == Engine.spark:
        raise typer.Exit(_scan_spark(inputs, out, opts, master, conf, work_dir, fmt.value,
                                     id_field, text_field, strict, quiet, max_doc_mb))
    from dataclasses import asdict

    result = _run_scan([Path(p) for p in inputs], id_field, text_field, strict, quiet,
                       max_doc_mb, **asdict(opts))
    try:  # all files or none: a failure part-way leaves the previous set as it was
        result.write(out, fmt.value, max_report_pairs)
    except OSError as e:
        _say("error", f"cannot write to {out}: {e.strerror or e}")
        raise typer.Exit(EXIT_FATAL) from None
    if not quiet:
        out_console.print(f"{result.summary()} -> {out}/", highlight=False)
    raise typer.Exit(_finish(result.skipped, quiet))


def _scan_spark(inputs: list[str], out: str, opts, master: Optional[str], conf: list[str],
                work_dir: Optional[str], fmt: str, id_field: str, text_field: str, strict: bool,
                quiet: bool, max_doc_mb: float) -> int:
    """`scan --engine spark` (`copytrace.api.scan_spark`): returns the exit code."""
    from dataclasses import asdict

    from copytrace.api import NoDocuments, SparkUnavailable, StrictStop, scan_spark

    settings = {}
    for item in conf:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise typer.BadParameter(f"--conf wants KEY=VALUE, got {item!r}")
        settings[key.strip()] = value.strip()
    try:
        done = scan_spark(inputs, out=out, format=fmt, id_field=id_field, text_field=text_field,
                          strict=strict, progress=_bars(not quiet), quiet=quiet,
                          master=master, conf=settings, work_dir=work_dir,
                          max_doc_mb=max_doc_mb, **asdict(opts))
    except SparkUnavailable as e:
        _say("error", e)
        return EXIT_FATAL
    except StrictStop as e:
        _say("error", f"{e.problem} (--strict: stopping)")
        return EXIT_FATAL
    except NoDocuments as e:
        if not quiet:
            for p in e.skipped:
                _say("skipped", p)
        _say("error", "no documents could be read from the inputs.")
        return EXIT_FATAL
    except ValueError as e:
        _say("error", e)
        return EXIT_FATAL
    if not quiet:
        from copytrace.api import summary_line

        for p in done.skipped:
            _say("skipped", p)
        out_console.print(f"{summary_line(done.stats)} -> {out}/", highlight=False)
    return _finish(done.skipped, quiet)


def _one(path: Path, id_field: str, text_field: str) -> Document:
    from copytrace.ingest import FieldMap, admit, iter_files, read_file

    items = [admit(x) for f in iter_files([path]) for x in
             ([f] if isinstance(f, Problem) else read_file(f, FieldMap(id_field, text_field)))]
    docs = [x for x in items if isinstance(x, Document)]
    if not docs:
        reason = items[0] if items else f"{path}: no document"
        _say("error", reason)
        raise typer.Exit(EXIT_FATAL)
    if len(docs) > 1:
        _say("note", f"{path} holds {len(docs)} documents; comparing the first ({docs[0].id}).")
    return docs[0]


def _rich_segments(text: str, segs) -> Text:
    t = Text()
    for s, e, shared in segs:
        t.append(text[s:e], style="bold black on yellow" if shared else "")
    return t


@app.command()
def compare(
    a: Path = typer.Argument(..., metavar="A", help="First document (any supported file).",
                             show_default=False),
    b: Path = typer.Argument(..., metavar="B", help="Second document.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print the pair as JSON (pairs.jsonl shape)."),
    id_field: str = IdField,
    text_field: str = TextField,
    semantic: bool = typer.Option(True, "--semantic/--no-semantic", help="When the texts are "
                                  "no copies of each other, compare their sentences' meaning "
                                  "(rewrites, translations, same story). Unlike scan, which "
                                  "does so only for documents sharing rare names and numbers "
                                  "or nearest in meaning, compare always runs this stage on "
                                  "the pair."),
    min_passage_words: int = MinPassage,
    max_doc_mb: float = MaxDoc,
) -> None:
    """Compare two documents: relation, similarity, containment, exact share and aligned
    passages, every stage run on the pair."""
    _limit(max_doc_mb)
    from copytrace.api import OptionError, ScanOptions, compare as run_compare
    from copytrace.report.highlight import diff_passage

    try:
        ScanOptions(min_passage_words=min_passage_words).check()
    except OptionError as e:
        raise typer.BadParameter(e.reason, param_hint="--min-passage-words") from None
    da, db = _one(a, id_field, text_field), _one(b, id_field, text_field)
    compared = run_compare(da, db, semantic=semantic, min_passage_words=min_passage_words,
                           cold_start=_cold_start(as_json))
    pair = compared.pair
    rel = None if pair.relation == NONE else pair.relation
    if as_json:
        sys.stdout.write(json.dumps(pair.to_json(), ensure_ascii=False) + "\n")
        return
    arrow = {"a->b": f"{da.id} -> {db.id}", "b->a": f"{db.id} -> {da.id}",
             NEITHER: f"{da.id} <-> {db.id} (both spun from a third text)"}.get(
        pair.direction, f"{da.id} <-> {db.id} (direction unknown)")
    label = rel or "no reuse (unrelated, or only short shared quotes)"
    out_console.print(f"[bold]{label}[/]  {arrow}", highlight=False)
    out_console.print(f"similarity {pair.similarity:.2f}   {pair.containment_ab:.0%} of {da.id} "
                      f"is in {db.id}   {pair.containment_ba:.0%} of {db.id} is in {da.id}   "
                      f"{counted(len(pair.passages), 'passage')}" + (
                          f"   {pair.exact_share:.0%} of passage words identical"
                          if pair.exact_share is not None else ""), highlight=False)
    for k, p in enumerate(pair.passages, 1):
        sa, sb = diff_passage(da.text, p.a, db.text, p.b)
        table = Table(show_header=True, expand=True, title=f"passage {k}", title_justify="left")
        table.add_column(f"{da.id} [{p.a[0]}:{p.a[1]}]", ratio=1)
        table.add_column(f"{db.id} [{p.b[0]}:{p.b[1]}]", ratio=1)
        table.add_row(_rich_segments(da.text, sa), _rich_segments(db.text, sb))
        out_console.print(table)
    for doc, score, phrases in zip((da, db), compared.spun_scores, compared.suspicious):
        if not phrases:
            continue
        shown = ", ".join(f"[magenta]{escape(p.phrase)}[/] ({escape(p.original)}?)"
                          for p in phrases[:20])
        more = f" and {len(phrases) - 20} more" if len(phrases) > 20 else ""
        out_console.print(f"spun_score {score:.2f} for {escape(doc.id)}: "
                          f"{counted(len(phrases), 'suspicious phrase')}: {shown}{more}",
                          highlight=False)


class Keep(str, Enum):
    one = "one"
    all = "all"


#: --prefer's choices (`copytrace.keep.PREFER`).
Prefer = Enum("Prefer", {p: p for p in PREFER}, type=str)


@app.command()
def dedup(
    inputs: list[Path] = InputsArg,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output .jsonl file (required "
                                       "unless --fast --families is given)."),
    keep: Keep = typer.Option(Keep.one, "--keep", help="one: one document per copy family; "
                              "all: every document."),
    mark: bool = typer.Option(False, "--mark", help="Add family, relation and source fields."),
    prefer: Prefer = typer.Option(Prefer[PREFER[0]], "--prefer", help="Which member a family keeps: "
                                  "its source, or its longest (most complete) member."),
    fast: bool = typer.Option(False, "--fast", help="Streaming mode for corpora that do not fit "
                              "in memory (about 1 GiB per million news articles): verbatim, "
                              "edited, truncated and wrapped copies of documents of 25+ words; "
                              "no spun copies, rewrites or passages. Reads the inputs twice."),
    families: Optional[Path] = typer.Option(None, "--families", help="With --fast: also write "
                                            "one line per document (id, family, relation, "
                                            "source, containment) to this .jsonl file."),
    containment: float = typer.Option(0.3, "--containment", help="With "
                                      "--fast: share of the smaller document that must be in "
                                      "the other for a copy."),
    workers: Optional[int] = Workers,
    threshold: float = Threshold,
    boilerplate_min_docs: int = BoilerMin,
    semantic: bool = typer.Option(False, "--semantic/--no-semantic", help="Also count "
                                  "rewrites and translations as copies (off by default: a "
                                  "translation is not a duplicate for most de-duplication)."),
    id_field: str = IdField,
    text_field: str = TextField,
    max_doc_mb: float = MaxDoc,
    strict: bool = Strict,
    quiet: bool = Quiet,
) -> None:
    """Write the corpus without copies: one document per copy family.

    Copies are verbatim, edited and spun copies (and, with --semantic, rewrites and
    translations). With --keep all --mark every record is written with its family id instead.
    With --fast, a streaming pass that holds a few hundred bytes per document instead of its
    text (for millions of documents).
    """
    if out is None and not (fast and families):
        raise typer.BadParameter("give --out (or, with --fast, --families)", param_hint="--out")
    if families and not fast:
        raise typer.BadParameter("--families needs --fast (a scan writes documents.jsonl)",
                                 param_hint="--families")
    import time

    from copytrace.api import (InputsChanged, NoDocuments, OptionError, StrictStop,
                               dedup as run_dedup, stream_config)
    from copytrace.outputs import write_jsonl

    if fast:  # checked before the progress display starts
        try:
            stream_config(containment, workers)
        except OptionError as e:
            raise typer.BadParameter(e.reason, param_hint="--containment") from None
    t0 = time.perf_counter()
    bar = Progress(TextColumn("{task.description:<18}"), TextColumn("{task.completed} documents"),
                   TimeElapsedColumn(), console=err, disable=quiet or not fast)
    try:
        with bar:
            task = bar.add_task("Fingerprinting", total=None)
            kept = run_dedup(
                inputs, keep=keep.value, prefer=prefer.value, mark=mark, semantic=semantic,
                fast=fast, containment=containment, threshold=threshold,
                boilerplate_min_docs=boilerplate_min_docs, workers=workers, id_field=id_field,
                text_field=text_field, max_doc_mb=max_doc_mb, strict=strict,
                progress=(lambda _s, k, _t: bar.update(task, completed=k)) if fast
                else _bars(not quiet),
                quiet=quiet, on_skip=None if quiet else (lambda p: _say("skipped", p)),
                before_scan=None if quiet else _say_if_compiling)
    except OptionError as e:
        raise typer.BadParameter(e.reason, param_hint="--" + e.name.replace("_", "-")) from None
    except StrictStop as e:
        _say("error", f"{e.problem} (--strict: stopping)")
        raise typer.Exit(EXIT_FATAL) from None
    except NoDocuments:
        _say("error", "no documents could be read from the inputs.")
        raise typer.Exit(EXIT_FATAL) from None
    try:
        if families:
            write_jsonl(families, kept.family_rows())
        if out is not None:
            write_jsonl(out, kept)
    except OSError as e:
        _say("error", f"cannot write {e.filename or out}: {e.strerror or e}")
        raise typer.Exit(EXIT_FATAL) from None
    except InputsChanged as e:
        _say("error", f"the inputs changed between the two reads (document {e.doc_id!r}); "
             f"{out} is incomplete -- run again on inputs that are not being written to.")
        raise typer.Exit(EXIT_FATAL) from None
    if not quiet:
        removed = kept.removed
        where = f" to {out}" if out is not None else ""
        out_console.print(f"{counted(kept.documents, 'document')} read, "
                          f"{counted(kept.families, 'copy family')}, "
                          f"{counted(removed, 'copy', 'copies')} removed, "
                          f"{kept.kept:,} written{where} in "
                          f"{time.perf_counter() - t0:.1f} s", highlight=False)
    raise typer.Exit(_finish(kept.skipped, quiet))


index_app = typer.Typer(help="A persistent index: add documents once, then ask whether a new "
                        "document copies any of them (no rescan of the archive).",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(index_app, name="index")
IndexPath = typer.Argument(..., metavar="INDEX", help="The index file (an SQLite database).",
                           show_default=False)


def _open_index(path: Path, create: bool = False, **kw):
    from copytrace.store import Index, StoreError

    try:
        return Index(path, create=create, **kw)
    except StoreError as e:
        _say("error", e)
        raise typer.Exit(EXIT_FATAL) from None


@contextmanager
def _index_errors(path: Path, doing: str):
    """An index that fails while in use (locked, read-only, full disk, damaged) ends the
    command with one line saying so and exit code 1, never a traceback."""
    import sqlite3

    from copytrace.store import StoreError
    from copytrace.store.sqlite import sqlite_problem

    try:
        yield
    except StoreError as e:
        _say("error", e)
        raise typer.Exit(EXIT_FATAL) from None
    except sqlite3.Error as e:
        _say("error", sqlite_problem(e, path, doing))
        raise typer.Exit(EXIT_FATAL) from None


@index_app.command("create")
def index_create(path: Path = IndexPath, threshold: float = Threshold,
                 num_perm: int = NumPerm, semantic: bool = Semantic,
                 probes: bool = Probes) -> None:
    """Create an empty index (its matching settings are fixed from now on)."""
    opts = _options(threshold=threshold, num_perm=num_perm, semantic=semantic, probes=probes)
    _open_index(path, create=True, config=opts.config()).close()
    out_console.print(f"created {path}", highlight=False)


@index_app.command("add")
def index_add(
    path: Path = IndexPath,
    inputs: list[Path] = InputsArg,
    batch_size: int = typer.Option(1000, "--batch-size", min=1, help="Documents per batch; "
                                   "each batch is added atomically (all of it or none)."),
    id_field: str = IdField,
    text_field: str = TextField,
    max_doc_mb: float = MaxDoc,
    strict: bool = Strict,
    quiet: bool = Quiet,
) -> None:
    """Add documents: each is matched against the index and linked into its family."""
    from copytrace.coldstart import first_run
    from copytrace.ingest import FieldMap, read_inputs

    _limit(max_doc_mb)
    problems: list[Problem] = []
    added = related = 0
    with _open_index(path) as ix, _index_errors(path, "add documents"), \
            first_run(_input_bytes(inputs), _cold_start(quiet)):
        batch: list[Document] = []

        def flush() -> None:
            nonlocal added, related
            res = ix.add(batch)
            added += len(res.added)
            related += len(res.pairs)
            for p in res.problems:
                problems.append(p)
                if not quiet:
                    _say("skipped", p)
            if not quiet:
                out_console.print(f"batch committed: {counted(added, 'document')} added so far",
                                  highlight=False)
            batch.clear()

        try:
            for got in _documents(read_inputs(inputs, FieldMap(id=id_field, text=text_field)),
                                  problems, strict, quiet):
                batch.append(got)
                if len(batch) >= batch_size:
                    flush()
        except _Fatal as e:
            _say("error", e)
            raise typer.Exit(EXIT_FATAL) from None
        if batch:
            flush()
        total = ix.count()
    if not quiet:
        out_console.print(f"{counted(added, 'document')} added ({counted(related, 'related pair')} "
                          f"found); the index holds {total:,}", highlight=False)
    raise typer.Exit(_finish(problems, quiet))


def _input_bytes(inputs: list[Path]) -> int:
    """The size of the input files (folders walked): at least the characters they hold, for
    `copytrace.coldstart.plan`."""
    from copytrace.ingest import iter_files

    total = 0
    for f in iter_files(inputs):
        if isinstance(f, Path):  # not a Problem (read and reported later)
            try:
                total += f.stat().st_size
            except OSError:
                continue
    return total


class QueryKind(str, Enum):
    auto = "auto"
    file = "file"
    id = "id"
    text = "text"


def _file_or_none(arg: str) -> Path | None:
    """``arg`` as an existing path, or None when it names none (a pasted text longer than a
    file name can be is no path either)."""
    try:
        p = Path(arg)
        return p if p.exists() else None
    except (OSError, ValueError):
        return None


@index_app.command("query")
def index_query(
    path: Path = IndexPath,
    doc: str = typer.Argument(..., metavar="DOC", show_default=False,
                              help="A file (its first document), the id of a stored "
                              "document, or the text itself (see --kind)."),
    kind: QueryKind = typer.Option(QueryKind.auto, "--kind", help="What DOC is. auto: a stored "
                                   "id if there is one, else an existing file, else text (a "
                                   "folder is refused: name one file)."),
    limit: int = typer.Option(20, "--limit", min=1, help="Most matches to show."),
    as_json: bool = typer.Option(False, "--json", help="One pair per line (pairs.jsonl shape, "
                                 "plus the stored document's family)."),
    id_field: str = IdField,
    text_field: str = TextField,
) -> None:
    """Which stored documents does this document copy, or copy it? (Nothing is added.)"""
    from copytrace.coldstart import first_run
    from copytrace.ingest import admit

    with _open_index(path) as ix, _index_errors(path, "query"):
        if kind in (QueryKind.auto, QueryKind.id):
            stored = ix.pairs_from(doc)
            if stored is not None:  # a stored document: its relations are the stored ones
                _print_matches(stored[:limit], as_json, doc)
                return
            if kind == QueryKind.id:
                _say("error", f"no stored document with id {doc!r}")
                raise typer.Exit(EXIT_FATAL)
        p = _file_or_none(doc) if kind in (QueryKind.auto, QueryKind.file) else None
        if kind == QueryKind.file and p is None:
            _say("error", f"{doc}: no such file")
            raise typer.Exit(EXIT_FATAL)
        if p is not None and p.is_dir():
            _say("error", f"{doc} is a folder: name one file to query with (or --kind text)")
            raise typer.Exit(EXIT_FATAL)
        query = _one(p, id_field, text_field) if p is not None else \
            admit(Document(id="query", text=doc))
        if not query.text.strip():
            _say("error", "empty query text")
            raise typer.Exit(EXIT_FATAL)
        with first_run(len(query.text), _cold_start(as_json)):
            matches = [m.to_json() for m in ix.query(query, limit)]
        same = {m["b"] for m in matches if m["relation"] == VERBATIM
                and (ix.document(m["b"]) or {}).get("text") == query.text}
        _print_matches(matches, as_json, query.id, same)


def _print_matches(matches: list[dict], as_json: bool, qid: str,
                   same_text: set[str] = frozenset()) -> None:
    """The matches of a query: JSON lines, or one block per match that no terminal width cuts
    (a nine-column table was cut to "docum…", "relat…" at 80 columns). ``same_text``: stored
    documents whose text is the query's own (the query is already stored)."""
    if as_json:
        for m in matches:
            sys.stdout.write(json.dumps(m, ensure_ascii=False) + "\n")
        return
    if not matches:
        out_console.print(f"no stored document copies, rewrites or covers the same story as "
                          f"{qid}", highlight=False)
        return
    out_console.print(f"{counted(len(matches), 'match', 'matches')} for {escape(qid)}, best "
                      "first:", highlight=False, soft_wrap=True)
    source = {"a->b": "the query is the source", "b->a": "the stored document is the source",
              NEITHER: "both spun from a third text"}
    for k, m in enumerate(matches, 1):
        head = f"{m['relation']}, {source.get(m['direction'], 'direction unknown')}"
        if m["b"] in same_text:
            head = "the same text: the query is already stored under this id"
        facts = [f"similarity {m['similarity']:.2f}"]
        if m["passages"]:
            facts += [f"{m['containment_ab']:.0%} of the query is in it",
                      f"{m['containment_ba']:.0%} of it is in the query",
                      counted(len(m["passages"]), "passage")]
        out_console.print(f"{k:>3}. [bold]{escape(m['b'])}[/]  {head}\n"
                          f"     {' · '.join(facts)}\n"
                          f"     family {escape(m.get('family') or '-')} · story "
                          f"{escape(m.get('story') or '-')}", highlight=False, soft_wrap=True)


@index_app.command("delete")
def index_delete(path: Path = IndexPath,
                 ids: list[str] = typer.Argument(..., metavar="ID", help="Document ids.",
                                                 show_default=False)
                 ) -> None:
    """Delete documents (their families are re-linked without them)."""
    with _open_index(path) as ix, _index_errors(path, "delete documents"):
        gone = ix.delete(ids)
    missing = [i for i in ids if i not in set(gone)]
    out_console.print(f"{len(gone)} deleted", highlight=False)
    for i in missing:
        _say("note", f"no document {i!r} in {path}")
    raise typer.Exit(EXIT_SKIPPED if missing else EXIT_OK)


@index_app.command("stats")
def index_stats(path: Path = IndexPath) -> None:
    """Counts, size and settings of an index, and its integrity check (JSON; exit 1 when the
    file is damaged)."""
    import sqlite3

    with _open_index(path) as ix:
        try:
            stats = ix.stats()
        except sqlite3.DatabaseError as e:  # a damaged page: the integrity check says where
            stats = {"error": str(e)}
        stats["integrity"] = ix.integrity()
    sys.stdout.write(json.dumps(stats, indent=1) + "\n")
    if stats["integrity"] != "ok":
        raise typer.Exit(EXIT_FATAL)


@index_app.command("evict")
def index_evict(path: Path = IndexPath,
                older_than: float = typer.Option(..., "--older-than", min=0, help="Delete "
                                                 "documents added more than DAYS days ago.",
                                                 metavar="DAYS")) -> None:
    """Delete documents added more than DAYS days ago."""
    with _open_index(path) as ix, _index_errors(path, "evict documents"):
        gone = ix.evict(older_than)
    out_console.print(f"{len(gone)} evicted", highlight=False)


@app.command()
def serve(
    path: Path = IndexPath,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (0.0.0.0 exposes "
                             "the service to the network)."),
    port: int = typer.Option(8000, "--port"),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="COPYTRACE_API_KEY",
                                          help="When set, writes (POST /documents, DELETE) "
                                          "need the header X-API-Key with this value."),
    max_body_mb: float = typer.Option(10.0, "--max-body-mb", min=0.001,
                                      help="Larger request bodies get 413."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes (queries are "
                                "CPU-bound: one per core serves the most; writes queue on the "
                                "index's lock)."),
    allowed_host: list[str] = typer.Option([], "--allowed-host", metavar="NAME",
                                           help="A Host header to answer (repeatable). On a "
                                           "loopback address only localhost names are "
                                           "answered besides these (no DNS rebinding from a "
                                           "web page); on another address, only these when "
                                           "given, else any."),
) -> None:
    """Serve an index over HTTP, with a web page at / (paste a document, see its matches).

    Reads (queries, documents, families, stories) need no key. Writes (adding and deleting
    documents) need --api-key's value when it is set; without it they are open on a loopback
    address (this machine only) and off on any other."""
    from copytrace.service.server import ServeError
    from copytrace.service.server import serve as run_service

    with _open_index(path) as ix:  # a clear error before the server starts
        count = ix.count()
    from copytrace.coldstart import cold

    if cold():  # the workers compile them on their first request
        _say("note", "first run: copytrace's kernels are not compiled yet; the first query "
             "compiles them (about 20 s, once)")

    def listening(url: str, writes: bool) -> None:
        rule = ("need the header X-API-Key" if api_key else
                "open to anyone who can reach this address" if writes else
                "off (this address is reachable from the network: start with --api-key)")
        out_console.print(f"Serving {path} ({counted(count, 'document')}) at {url}\n"
                          f"  web page: {url}   API: {url}docs   writes: {rule}\n"
                          "  Ctrl+C stops.", highlight=False, soft_wrap=True)

    try:
        run_service(path, host, port, api_key, int(max_body_mb * 2**20), workers,
                    allowed_host, on_listen=listening)
    except ServeError as e:
        _say("error", e)
        raise typer.Exit(EXIT_FATAL) from None


def _version(value: bool) -> None:
    if value:
        out_console.print(f"copytrace {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """copytrace: text reuse in a pile of documents."""


use_grouped_help(app, index_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
