"""copytrace from Python: `scan`, `compare`, `dedup` and the `Index`, for notebooks and pipelines.

The command line is a thin layer over these functions (`copytrace.cli` parses its arguments,
calls them and prints what they return), so a notebook and a shell give the same results, the
same defaults and the same messages for bad options:

```python
import copytrace

result = copytrace.scan("articles/")                             # files and folders
result = copytrace.scan(df, id_field="url", text_field="body")   # a pandas DataFrame
result.documents.to_pandas()                                     # one row per document
result.pairs.to_pandas()                                         # one row per related pair
result.write("out/")                                             # what `copytrace scan` writes
```

Inputs (`documents_from`): a path or a list of paths (every format the command line reads),
Documents (`copytrace.document.Document`), mappings (``{"id": ..., "text": ..., "url"?: ...,
"date"?: ..., "title"?: ...}``, other keys kept as the record's own), a pandas DataFrame, a
pyarrow Table or RecordBatch, or a Hugging Face ``datasets.Dataset``: anything iterable that
yields records. ``id_field`` and ``text_field`` name the id and text columns. A record that
cannot be used (no text, a duplicate id...) is skipped and listed in ``Result.skipped``; the
rest are scanned.

Options (`ScanOptions`) are the command line's, with its defaults: ``threshold``,
``num_perm``, ``bands``, ``rows``, ``boilerplate_min_docs``, ``spin``, ``spun``, ``semantic``,
``probes``, ``min_passage_words``, ``workers``. A bad value raises `OptionError` (a
``ValueError``) with the message the command line prints for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from copytrace.coldstart import first_run
from copytrace.document import Document, DocResult, Pair, Problem
from copytrace.relations import INDEPENDENT, SOURCE
from copytrace.store import Index

if TYPE_CHECKING:
    import pyarrow as pa

    from copytrace.config import ScanConfig

__all__ = ["scan", "Result", "ScanOptions", "OptionError", "StrictStop", "NoDocuments",
           "scan_spark", "SparkFiles", "SparkUnavailable", "compare", "Comparison", "dedup",
           "Deduplication", "InputsChanged", "suspicious_phrases", "Index", "documents_from",
           "summary_line", "schemas"]


# ----------------------------------------------------------------------------- options

class OptionError(ValueError):
    """An option out of its range: ``name`` (the keyword) and ``reason``; the command line
    reports it against the matching flag (``--name-with-dashes``)."""

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason
        super().__init__(f"{name}: {reason}")


class StrictStop(ValueError):
    """With ``strict=True``, the first input that could not be used (``problem``)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(f"{problem} (strict: stopping)")


@dataclass(frozen=True)
class ScanOptions:
    """What a scan looks for, with the command line's defaults (``copytrace scan --help``).

    Attributes:
        threshold: target Jaccard similarity (5-word shingles) for the candidate search; the
            LSH bands and rows are derived from it (0.01-0.99).
        num_perm: MinHash functions per signature (8-1024).
        bands: LSH bands; overrides ``threshold`` and needs ``rows``.
        rows: LSH rows per band (with ``bands``).
        boilerplate_min_docs: a line recurring in at least this many otherwise different
            documents is boilerplate (2 or more).
        spin: score every document for machine spinning without its source (``spun_score``).
        spun: find spun copies of documents in the corpus (skeleton alignment).
        semantic: find rewrites, translations and same-story documents with the sentence
            encoder.
        probes: look at every document's first 600 characters (a topic vector for
            same-story links; in a corpus of several languages an encoder probe for
            translation candidates).
        min_passage_words: a passage of at least this many closely matched words makes a pair
            at least ``partial`` (8-10,000).
        workers: processes to use; None for all cores.

    Examples:
        >>> ScanOptions(threshold=0.5).config().threshold
        0.5
        >>> ScanOptions(threshold=1.5).config()
        Traceback (most recent call last):
        ...
        copytrace.api.OptionError: threshold: 1.5 is not in the range 0.01 to 0.99
    """

    threshold: float = 0.3
    num_perm: int = 128
    bands: int | None = None
    rows: int | None = None
    boilerplate_min_docs: int = 4
    spin: bool = True
    spun: bool = True
    semantic: bool = True
    probes: bool = True
    min_passage_words: int = 40
    workers: int | None = None

    #: (least, most) accepted for the numeric options (None: no bound); the command line's
    #: flags are checked here too (`copytrace.cli._options`).
    RANGES = {"threshold": (0.01, 0.99), "num_perm": (8, 1024), "bands": (1, None),
              "rows": (1, None), "boilerplate_min_docs": (2, None),
              "min_passage_words": (8, 10_000), "workers": (1, None)}

    def check(self) -> None:
        """Raise `OptionError` naming the first option out of its range."""
        for name, (lo, hi) in self.RANGES.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise OptionError(name, f"{value!r} is not a number")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise OptionError(name, f"{value:g} is not in the range {lo:g} to {hi:g}"
                                  if hi is not None else f"{value:g} is less than {lo:g}")
        if (self.bands is None) != (self.rows is None):
            raise OptionError("bands" if self.rows is None else "rows",
                              "bands and rows go together: give both, or neither")

    def config(self) -> ScanConfig:
        """The engine's `copytrace.config.ScanConfig` for these options (checked)."""
        from copytrace.align import AlignParams
        from copytrace.boilerplate import BoilerplateParams
        from copytrace.config import ScanConfig

        self.check()
        cfg = ScanConfig(threshold=self.threshold, num_perm=self.num_perm, bands=self.bands,
                         rows=self.rows,
                         boilerplate=BoilerplateParams(min_docs=self.boilerplate_min_docs),
                         spin=self.spin, spun=self.spun, semantic=self.semantic,
                         probes=self.probes, align=AlignParams(solid_words=self.min_passage_words))
        if self.workers:
            cfg.workers = self.workers
        try:
            cfg.banding()
        except ValueError as e:  # bands x rows beyond num_perm
            raise OptionError("bands", str(e)) from None
        return cfg


def _options(options: Mapping[str, Any]) -> ScanOptions:
    known = {f.name for f in fields(ScanOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(unknown)}; the options are "
                        f"{', '.join(sorted(known))}")
    return ScanOptions(**options)


# ----------------------------------------------------------------------------- inputs

def _paths(inputs: Any) -> list | None:
    """``inputs`` as a list of paths, or None when they are not paths."""
    if isinstance(inputs, (str, os.PathLike)):
        return [inputs]
    if isinstance(inputs, (list, tuple)) and inputs and all(
            isinstance(x, (str, os.PathLike)) for x in inputs):
        return list(inputs)
    return None


def documents_from(inputs: Any, id_field: str = "id", text_field: str = "text",
                   on_file: Callable[[], None] | None = None) -> Iterator[Document | Problem]:
    """The documents (and the problems of unusable records) of any input `scan` accepts (see
    the module docstring), with unique ids: a later record with an id already seen is a
    `Problem`, as in a file. ``on_file`` is called after each file read (paths only).

    Examples:
        >>> [d.id for d in documents_from([{"id": "a", "text": "One."}, {"text": "Two."}])]
        ['a', 'records#2']
    """
    from copytrace.ingest import FieldMap, admit, read_inputs
    from copytrace.ingest.records import make_record

    fields_ = FieldMap(id=id_field, text=text_field)
    paths = _paths(inputs)
    if paths is not None:
        yield from read_inputs(paths, fields_, on_file)
        return
    records, label = _records(inputs)
    seen: set[str] = set()
    where = Path(label)
    for n, rec in enumerate(records, 1):
        if isinstance(rec, Document):
            got: Document | Problem = rec if isinstance(rec.text, str) and rec.text.strip() \
                else Problem(label, f"document {rec.id!r} has no text", n)
        elif isinstance(rec, Problem):
            got = rec
        else:
            got = make_record(dict(rec) if isinstance(rec, Mapping) else rec, where, n, fields_)
        got = admit(got)
        if isinstance(got, Document):
            if got.id in seen:
                got = Problem(label, f"duplicate id {got.id!r} (first seen in {label}); "
                              "record skipped", n)
            else:
                seen.add(got.id)
        yield got


def _records(inputs: Any) -> tuple[Iterable[Any], str]:
    """The records of an in-memory input, and the name problems are reported under."""
    kind = type(inputs).__module__.split(".")[0], type(inputs).__name__
    if kind[0] == "pandas" and kind[1] == "DataFrame":
        return (_without_missing(r) for r in inputs.to_dict("records")), "DataFrame"
    if kind[0] == "pyarrow" and kind[1] in ("Table", "RecordBatch"):
        return (r for batch in inputs.to_batches() for r in batch.to_pylist()), "Table"
    if kind[0] == "datasets" and kind[1] == "Dataset":
        return iter(inputs), "Dataset"
    if kind[0] == "pyspark":
        raise TypeError("a Spark DataFrame is scanned on Spark: copytrace.scan_spark(frame)")
    if isinstance(inputs, (Mapping, str, bytes)) or not isinstance(inputs, Iterable):
        raise TypeError(f"cannot read documents from a {type(inputs).__name__}: give paths, "
                        "Documents, records (dicts), a pandas DataFrame, a pyarrow Table or a "
                        "datasets.Dataset")
    return inputs, "records"


def _without_missing(rec: dict) -> dict:
    """A DataFrame row without its missing values (NaN / None / NaT read as absent)."""
    out = {}
    for k, v in rec.items():
        try:
            missing = v is None or v != v  # NaN and NaT are not equal to themselves
        except (TypeError, ValueError):
            missing = False
        if not (isinstance(missing, bool) and missing):
            out[k] = v
    return out


# ----------------------------------------------------------------------------- progress

class _CallbackProgress:
    """The engine's Progress protocol over ``callback(stage, done, total)``."""

    def __init__(self, callback: Callable[[str, int, int], None]):
        self.callback = callback
        self.stage, self.total, self.count = "", 0, 0

    def start(self, stage: str, total: int) -> None:
        self.stage, self.total, self.count = stage, total, 0
        self.callback(stage, 0, total)

    def advance(self, n: int = 1) -> None:
        self.count += n
        self.callback(self.stage, self.count, self.total)

    def done(self) -> None:
        self.callback(self.stage, self.total, self.total)


def _progress(progress: Any, quiet: bool):
    """The engine's Progress for ``progress`` (see `scan`)."""
    import sys

    from copytrace.progress import NullProgress, RichProgress

    if quiet or progress is False:
        return NullProgress()
    if progress is None:  # bars when someone is watching a terminal
        return RichProgress(sys.stderr.isatty())
    if progress is True:
        return RichProgress(True)
    if callable(progress):
        return _CallbackProgress(progress)
    return progress  # an object with start / advance / done


# ----------------------------------------------------------------------------- results

def schemas() -> tuple[pa.Schema, pa.Schema]:
    """The pyarrow schemas of `Result.documents` and `Result.pairs` (documents.jsonl's and
    pairs.jsonl's fields, in order)."""
    import pyarrow as pa

    from copytrace.outputs import DOCUMENT_FIELDS, PAIR_FIELDS

    num, count, span = pa.float64(), pa.int64(), pa.list_(pa.int64())
    types = {"spun_score": num, "boilerplate_chars": count, "chars": count, "similarity": num,
             "containment_ab": num, "containment_ba": num, "exact_share": num,
             "passages": pa.list_(pa.struct([("a", span), ("b", span)]))}
    docs = pa.schema([(f, types.get(f, pa.string())) for f in DOCUMENT_FIELDS])
    pairs = pa.schema([(f, types.get(f, pa.string())) for f in PAIR_FIELDS])
    return docs, pairs


@dataclass
class Result:
    """What a scan found: the same records ``copytrace scan`` writes.

    Attributes:
        inputs: the documents read, in reading order.
        results: one `copytrace.document.DocResult` per document (documents.jsonl's records).
        pair_list: the related pairs (`copytrace.document.Pair`, pairs.jsonl's records).
        skipped: the inputs that could not be used, each with its reason (skipped.jsonl).
        stats: counts and per-stage seconds (stats.json).

    Examples:
        >>> text = "The harbour bridge will close to lorries for a month while engineers " \\
        ...        "repair two cracked steel supports, the city council said on Tuesday."
        >>> r = scan([{"id": "a", "text": text}, {"id": "b", "text": text},
        ...           {"id": "c"}], semantic=False)
        >>> r.documents.select(["id", "relation"]).to_pylist()[1]
        {'id': 'b', 'relation': 'verbatim'}
        >>> r.pairs.column("relation").to_pylist(), [p.reason[:25] for p in r.skipped]
        (['verbatim'], ["missing text field 'text'"])
    """

    inputs: list[Document]
    results: list[DocResult]
    pair_list: list[Pair]
    skipped: list[Problem] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def documents(self) -> pa.Table:
        """One row per document, documents.jsonl's fields (``.to_pandas()`` for a
        DataFrame)."""
        import pyarrow as pa

        return pa.Table.from_pylist([r.to_json() for r in self.results], schemas()[0])

    @property
    def pairs(self) -> pa.Table:
        """One row per related pair, pairs.jsonl's fields; ``passages`` holds each passage's
        character ``a`` and ``b`` spans."""
        import pyarrow as pa

        return pa.Table.from_pylist([p.to_json() for p in self.pair_list], schemas()[1])

    @property
    def families(self) -> dict[str, list[str]]:
        """Each copy family of two or more documents: its id and its members' ids, in
        reading order."""
        out: dict[str, list[str]] = {}
        for r in self.results:
            if r.relation != INDEPENDENT:
                out.setdefault(r.family, []).append(r.id)
        return out

    @property
    def stories(self) -> dict[str, list[str]]:
        """Each story of two or more documents: its id and its members' ids."""
        out: dict[str, list[str]] = {}
        for r in self.results:
            out.setdefault(r.story, []).append(r.id)
        return {k: v for k, v in out.items() if len(v) > 1}

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per stage, and ``total``."""
        return dict(self.stats.get("seconds", {}))

    def write(self, folder: str | os.PathLike, format: str = "jsonl",
              max_report_pairs: int = 500) -> Path:
        """Write documents.jsonl (or .parquet), pairs.jsonl (or .parquet), skipped.jsonl,
        stats.json and report.html into ``folder``, all or none (`copytrace.outputs`);
        returns the folder."""
        from copytrace.outputs import output_set, write_scan
        from copytrace.report.html import write_report

        out = Path(folder)
        with output_set(out) as stage:
            write_scan(stage, self.results, self.pair_list, self.skipped, self.stats, format)
            write_report(stage / "report.html", self.inputs, self.results, self.pair_list,
                         self.skipped, self.stats, max_pairs=max_report_pairs)
        return out

    def report(self, path: str | os.PathLike, max_pairs: int = 500) -> Path:
        """Write the HTML report (the one ``scan`` writes as report.html) to ``path``."""
        from copytrace.report.html import write_report

        write_report(Path(path), self.inputs, self.results, self.pair_list, self.skipped,
                     self.stats, max_pairs=max_pairs)
        return Path(path)

    def summary(self) -> str:
        """One line, as ``copytrace scan`` prints it."""
        return summary_line(self.stats)

    def __repr__(self) -> str:
        return f"<copytrace.Result: {self.summary() if self.stats else 'empty'}>"


def summary_line(stats: dict) -> str:
    """A scan's counts and time in one line (stats.json's figures), as ``copytrace scan``
    prints it for either engine."""
    from copytrace.outputs import counted

    s = stats
    return (f"{counted(s['documents'], 'document')}, "
            f"{counted(s['families'], 'copy family')}, "
            f"{counted(s['stories'] - s['singleton_stories'], 'story')} of 2+ documents, "
            f"{counted(s['related_pairs'], 'related pair')} "
            f"({counted(s['candidate_pairs'], 'candidate')} checked) in "
            f"{s['seconds']['total']:.1f} s")


class NoDocuments(ValueError):
    """No usable document in the inputs (``skipped`` says why each was refused)."""

    def __init__(self, skipped: list[Problem]):
        self.skipped = skipped
        why = f": {skipped[0]}" + (f" (and {len(skipped) - 1} more)" if len(skipped) > 1
                                   else "") if skipped else ""
        super().__init__(f"no documents could be read from the inputs{why}")


def scan(inputs: Any, *, id_field: str = "id", text_field: str = "text",
         max_doc_mb: float = 64.0, strict: bool = False, progress: Any = None,
         quiet: bool = False, on_skip: Callable[[Problem], None] | None = None,
         before_scan: Callable[[], None] | None = None,
         cold_start: Callable[[str], None] | None = None, **options: Any) -> Result:
    """Find copy families, their sources, aligned passages and stories in ``inputs``.

    Args:
        inputs: paths, Documents, records, a DataFrame, a pyarrow Table or a
            ``datasets.Dataset`` (module docstring).
        id_field: the records' id field (column).
        text_field: the records' text field (column).
        max_doc_mb: a document larger than this is skipped (listed in ``skipped``).
        strict: raise ``ValueError`` at the first input that cannot be used instead of
            skipping it.
        progress: None (progress bars on stderr when it is a terminal), True (bars
            always), False (none), a callable ``(stage, done, total)``, or an object with
            ``start`` / ``advance`` / ``done``.
        quiet: no progress at all, whatever ``progress`` says.
        on_skip: called with each `Problem` as it is skipped (the command line prints it).
        before_scan: called once the inputs are read, before the first stage.
        cold_start: on a first run (numba has not compiled copytrace's kernels yet), called
            before the first stage with ``"interpret"`` -- a small job: its kernels run as
            Python and a background process compiles them for later runs -- or
            ``"compile"`` (they compile now, ~20 s; also said during a small job that
            turns out to have much to align). None: they compile, and nothing else happens
            (`copytrace.coldstart`).
        **options: `ScanOptions` (threshold, semantic, workers, ...).

    Returns:
        A `Result`.

    Raises:
        ValueError: an option out of range, ``strict`` and an unusable input, or no usable
            document at all (`NoDocuments`).

    Examples:
        >>> text = "The harbour bridge will close to lorries for a month while engineers " \\
        ...        "repair two cracked steel supports, the city council said on Tuesday."
        >>> r = scan([{"id": "a", "text": text, "date": "2024-03-01"},
        ...           {"id": "b", "text": text + " More soon.", "date": "2024-03-02"}],
        ...          semantic=False)
        >>> r.families
        {'a': ['a', 'b']}
        >>> r.documents.column("relation").to_pylist()
        ['source', 'verbatim']
    """
    from copytrace.engines.local import scan as run_scan
    from copytrace.ingest.text import set_max_doc_mb

    cfg = _options(options).config()
    set_max_doc_mb(max_doc_mb)
    prog = _progress(progress, quiet)
    skipped: list[Problem] = []
    paths = _paths(inputs)
    if paths is not None:
        from copytrace.ingest import iter_files

        prog.start("Reading", sum(1 for _ in iter_files(paths)))
    try:
        docs = list(_skipping(documents_from(inputs, id_field, text_field, prog.advance),
                              strict, on_skip, skipped))
    finally:
        if paths is not None:
            prog.done()
    if not docs:
        raise NoDocuments(skipped)
    if before_scan is not None:
        before_scan()
    with first_run(sum(len(d.text) for d in docs), cold_start):
        res = run_scan(docs, cfg, prog, skipped)
    return Result(res.documents, res.results, res.pairs, skipped, res.stats)


class SparkUnavailable(RuntimeError):
    """The Spark engine cannot run here: pyspark is not installed, or the JVM did not start."""


@dataclass
class SparkFiles:
    """What `scan_spark` wrote for inputs given as paths: the output folder (``documents/``,
    ``pairs/``, ``skipped.jsonl``, ``stats.json``), the inputs skipped and the stats."""

    out: str
    skipped: list[Problem]
    stats: dict


def scan_spark(inputs: Any, *, out: str | None = None, format: str = "jsonl",
               id_field: str = "id", text_field: str = "text", strict: bool = False,
               progress: Any = None, quiet: bool = False, master: str | None = None,
               conf: Mapping[str, str] | None = None, work_dir: str | None = None,
               spark_options: Any = None, max_doc_mb: float = 64.0, **options: Any):
    """`scan` on Apache Spark (``pip install 'copytrace[spark]'``): the same stages, rules and
    results, for corpora beyond one machine.

    - ``inputs`` a Spark DataFrame (a corpus that is already a table): its rows are the
      documents (``id_field`` and ``text_field`` name its id and text columns; ``url``,
      ``title`` and ``date`` columns are used when present); the answer is DataFrames and
      nothing is written.
    - ``inputs`` paths or URIs (``hdfs://``, ``s3a://``, ``file://``...): the documents are
      read as the command line reads them and the output contract is written under ``out``
      (what ``copytrace scan --engine spark`` writes).

    Args:
        out: the output folder or URI (paths only).
        format: ``"jsonl"`` or ``"parquet"`` part files (paths only).
        master: the Spark master URL (default: the active session's, else ``local[*]``).
        conf: Spark settings (``{"spark.executor.memory": "8g"}``).
        work_dir: where the stages keep their tables. For a DataFrame the DataFrames returned
            are read from it (default: a new temporary folder), kept until ``cleanup()``.
        spark_options: a `copytrace.engines.spark.SparkOptions` (partition and batch sizes).
        max_doc_mb: a document larger than this is skipped.
        **options: `ScanOptions`.

    Returns:
        For a DataFrame, a `copytrace.engines.spark.FrameScan`: ``documents`` and ``pairs``
        DataFrames (documents.jsonl's and pairs.jsonl's fields, in their order), ``skipped``
        rows with their reasons, ``stats``, ``work_dir`` and ``cleanup()``. For paths, a
        `SparkFiles`.

    Raises:
        OptionError: an option out of range.
        StrictStop: with ``strict``, the first input or row that cannot be used.
        NoDocuments: nothing usable.
        SparkUnavailable: no pyspark, or Spark could not start.
    """
    from dataclasses import replace

    cfg = _options(options).config()
    try:
        from copytrace.engines import spark as engine
    except ImportError:
        raise SparkUnavailable("the Spark engine needs pyspark: pip install "
                               "'copytrace[spark]'") from None
    from copytrace.ingest import FieldMap
    from copytrace.ingest.text import set_max_doc_mb

    set_max_doc_mb(max_doc_mb)  # the readers' limit, passed on to the executors
    opts = spark_options or engine.SparkOptions()
    opts = replace(opts, master=master or opts.master, conf={**opts.conf, **(conf or {})},
                   work_dir=work_dir or opts.work_dir)
    fields = FieldMap(id=id_field, text=text_field)
    is_frame = type(inputs).__module__.startswith("pyspark")
    if not is_frame and out is None:
        raise TypeError("scan_spark on paths writes its output: give out=")
    try:
        session = inputs.sparkSession if is_frame else engine.spark_session(opts)
    except Exception as e:  # the JVM did not start: say why in one line
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SparkUnavailable(f"Spark could not start ({first}). It needs Java 17 or newer "
                               "(JAVA_HOME or java on PATH).") from None
    try:
        if is_frame:
            return engine.scan_frame(inputs, fields, cfg, opts, _progress(progress, quiet),
                                     strict=strict)
        stats = engine.scan([str(p) for p in (_paths(inputs) or inputs)], out, cfg, opts,
                            fields, format, _progress(progress, quiet), session, strict=strict)
    except engine.ScanProblem as e:
        if e.problem is not None:
            raise StrictStop(e.problem) from None
        if e.skipped is not None:
            raise NoDocuments(e.skipped) from None
        raise ValueError(str(e)) from None
    skipped = stats.pop("_problems", [])
    if stats["documents"] == 0:
        raise NoDocuments(skipped)
    return SparkFiles(str(out), skipped, stats)


# ----------------------------------------------------------------------------- compare

@dataclass
class Comparison:
    """Two documents compared with every stage: the pair (``relation`` ``none`` when nothing
    is shared), each document's ``spun_score`` and its suspicious phrases (`copytrace.spin`).

    Examples:
        >>> c = compare("Officials at the White Home said the talks would resume on Monday "
        ...             "after a week of delays over the harbour bridge repairs.",
        ...             "A recipe for bread.", semantic=False)
        >>> c.pair.relation, [p.phrase for p in c.suspicious[0]]
        ('none', ['White Home'])
    """

    a: Document
    b: Document
    pair: Pair
    spun_scores: tuple[float | None, float | None]
    suspicious: tuple[list, list]

    def to_json(self) -> dict[str, Any]:
        """The pair as a pairs.jsonl record, with each side's spun_score and phrases."""
        return {**self.pair.to_json(),
                "spun_score": {"a": self.spun_scores[0], "b": self.spun_scores[1]},
                "suspicious": {side: [asdict(p) for p in phrases]
                               for side, phrases in zip("ab", self.suspicious)}}


def _as_document(x: Any, name: str, id_field: str, text_field: str) -> Document:
    """One side of `compare`: a Document, a record, a path (its first document), or a text. A
    string that names no file and holds no white space is taken for a mistyped path, not a
    one-word text."""
    if isinstance(x, Document):
        return x
    text = isinstance(x, str) and not os.path.exists(x)
    if text and x.strip() and not any(c.isspace() for c in x.strip()):
        raise FileNotFoundError(f"no such file: {x!r} (a text to compare has more than one "
                                "word)")
    if text or isinstance(x, Mapping):
        rec = dict(x) if isinstance(x, Mapping) else {id_field: name, text_field: x}
        got = next(documents_from([rec], id_field, text_field))
    else:
        items = list(documents_from(x, id_field, text_field))
        got = next((d for d in items if isinstance(d, Document)), items[0] if items else
                   Problem(str(x), "no document"))
    if isinstance(got, Problem):
        raise ValueError(str(got))
    return got


def compare(a: Any, b: Any, *, semantic: bool = True, min_passage_words: int = 40,
            id_field: str = "id", text_field: str = "text",
            cold_start: Callable[[str], None] | None = None) -> Comparison:
    """Compare two documents with every stage (the sentence stage too, which a scan runs only
    for candidates by names, numbers or meaning).

    Args:
        a: a text, a path, a record or a `Document` (a file holding several documents: its
            first). A string is a path when such a file exists; one word that names no file
            raises ``FileNotFoundError``.
        b: the same for the other side.
        semantic: compare the sentences' meaning when the texts share no copy.
        min_passage_words: a passage this long makes the pair at least ``partial``.
        cold_start: as `scan`'s (a first run: kernels run as Python for a small pair).

    Returns:
        A `Comparison`: ``.pair`` (relation, direction, containments, passages),
        ``.spun_scores`` and ``.suspicious`` phrases per side.

    Examples:
        >>> c = compare("The council voted to shut the old harbour bridge to heavy lorries "
        ...             "after engineers found deep cracks in two of its steel supports.",
        ...             "The council voted to shut the old harbour bridge to heavy lorries "
        ...             "after engineers found deep cracks in two of its steel supports.",
        ...             semantic=False)
        >>> c.pair.relation
        'verbatim'
    """
    from copytrace.pipeline import compare_two
    from copytrace.spin import suspicious_phrases

    cfg = ScanOptions(semantic=semantic, min_passage_words=min_passage_words).config()
    da = _as_document(a, "a", id_field, text_field)
    db = _as_document(b, "b", id_field, text_field)
    with first_run(len(da.text) + len(db.text), cold_start):
        pair, spun, toks = compare_two(da, db, cfg)
        suspicious = (suspicious_phrases(da.text, toks[0]), suspicious_phrases(db.text, toks[1]))
    return Comparison(da, db, pair, (spun[0], spun[1]), suspicious)


def suspicious_phrases(text: str) -> list:
    """The phrases of ``text`` a synonym spinner would leave behind (`copytrace.spin`), in
    order: each a `copytrace.spin.Phrase` with its character ``start`` / ``end``, the
    ``phrase`` and the ``original`` word it most likely replaced.

    Examples:
        >>> [p.phrase for p in suspicious_phrases("Officials at the White Home said on Monday.")]
        ['White Home']
    """
    from copytrace.spin import suspicious_phrases as phrases

    return phrases(text)


# ----------------------------------------------------------------------------- dedup

KEEP = ("one", "all")


@dataclass
class Deduplication:
    """What `dedup` kept. Iterating gives the kept records (in reading order, once: with
    ``fast`` they come from a second read of the inputs).

    Attributes:
        documents: documents read.
        kept: records kept (``documents - kept`` copies removed).
        families: copy families of two or more documents.
        skipped: the inputs that could not be used, with their reasons.

    Examples:
        >>> text = "A long enough paragraph about the harbour bridge, its cracked steel " \\
        ...        "supports and the month of repairs the city council announced on Tuesday."
        >>> d = dedup([{"id": "a", "text": text}, {"id": "b", "text": text + " Updated."}],
        ...           keep="all", mark=True)
        >>> [(r["id"], r["relation"]) for r in d], d.documents, d.families
        ([('a', 'verbatim'), ('b', 'source')], 2, 1)
    """

    documents: int
    kept: int
    families: int
    skipped: list[Problem]
    _records: Iterator[dict]
    _stream: Any = None  # the streaming engine's result (fast)

    def __iter__(self) -> Iterator[dict]:
        return self._records

    @property
    def removed(self) -> int:
        return self.documents - self.kept

    def family_rows(self) -> Iterator[dict]:
        """With ``fast``: one row per document (id, family, relation, family_source,
        containment, chars), what ``dedup --fast --families`` writes."""
        from copytrace.keep import families_file

        if self._stream is None:
            raise ValueError("family_rows() is the streaming engine's (dedup(fast=True)); "
                             "a scan's families are in scan(...).documents")
        return families_file(self._stream)


def dedup(inputs: Any, *, keep: str = "one", prefer: str = SOURCE, mark: bool = False,
          semantic: bool = False, fast: bool = False, containment: float = 0.3,
          threshold: float = 0.3, boilerplate_min_docs: int = 4, workers: int | None = None,
          id_field: str = "id", text_field: str = "text", max_doc_mb: float = 64.0,
          strict: bool = False, progress: Any = None, quiet: bool = False,
          on_skip: Callable[[Problem], None] | None = None,
          before_scan: Callable[[], None] | None = None) -> Deduplication:
    """The corpus without copies: one record per copy family (``keep="all"``: every record).
    Each record holds the input record's fields (``id``, ``text``, ``url``, ``title``,
    ``date``, ``source`` and its own other fields), with ``mark`` also ``family``,
    ``relation`` and ``family_source``. Copies are verbatim, edited and spun copies (with
    ``semantic``, rewrites and translations too).

    Args:
        keep: ``"one"`` record per family, or ``"all"`` (with ``mark``: every record
            labelled).
        prefer: which member a family keeps: its ``"source"`` or its ``"longest"``.
        fast: the streaming engine (``dedup --fast``): a few hundred bytes per document
            instead of its text, for millions of documents; ``inputs`` must then be paths
            (they are read twice) and ``containment`` is its copy threshold (the share of the
            smaller document found in the other).
        progress: as for `scan`; with ``fast`` a callable gets
            ``("Fingerprinting", documents so far, 0)``.

    Returns:
        A `Deduplication`: iterate it for the records; ``.documents``, ``.kept``,
        ``.families``, ``.skipped``.

    Examples:
        >>> text = "A long enough paragraph about the harbour bridge, its cracked steel " \\
        ...        "supports and the month of repairs the city council announced on Tuesday."
        >>> d = dedup([{"id": "a", "text": text}, {"id": "b", "text": text},
        ...            {"id": "c", "text": "Something else entirely, and short."}])
        >>> [r["id"] for r in d], d.removed
        (['a', 'c'], 1)
    """
    from copytrace.keep import PREFER

    if keep not in KEEP:
        raise OptionError("keep", f"{keep!r} is not one of {', '.join(KEEP)}")
    if prefer not in PREFER:
        raise OptionError("prefer", f"{prefer!r} is not one of {', '.join(PREFER)}")
    if fast:
        return _dedup_fast(inputs, keep, prefer, mark, containment, workers, id_field,
                           text_field, max_doc_mb, strict, progress, on_skip)
    from copytrace.keep import scan_kept, scan_records

    res = scan(inputs, id_field=id_field, text_field=text_field, max_doc_mb=max_doc_mb,
               strict=strict, progress=progress, quiet=quiet, on_skip=on_skip,
               before_scan=before_scan, threshold=threshold,
               boilerplate_min_docs=boilerplate_min_docs, workers=workers, spin=False,
               semantic=semantic)
    kept = scan_kept(res.results, keep == "one", prefer)
    return Deduplication(len(res.inputs), int(kept.sum()), res.stats["families"], res.skipped,
                         scan_records(res.inputs, res.results, kept, mark))


def _dedup_fast(inputs, keep, prefer, mark, containment, workers, id_field, text_field,
                max_doc_mb, strict, progress, on_skip) -> Deduplication:
    from copytrace.keep import stream_kept
    from copytrace.engines.stream import stream_families
    from copytrace.ingest.text import set_max_doc_mb

    paths = _paths(inputs)
    if paths is None:
        raise TypeError("dedup(fast=True) reads its inputs twice: give paths")
    cfg = stream_config(containment, workers)
    set_max_doc_mb(max_doc_mb)
    skipped: list[Problem] = []
    count = (lambda k: progress("Fingerprinting", k, 0)) if callable(progress) else None
    res = stream_families(_skipping(documents_from(paths, id_field, text_field), strict,
                                    on_skip, skipped), cfg, count)
    if not len(res.ids):
        raise NoDocuments(skipped)
    kept = stream_kept(res, keep == "one", prefer)
    return Deduplication(len(res.ids), int(kept.sum()), res.families, skipped,
                         _second_read(paths, id_field, text_field, res, kept, mark), res)


def _second_read(paths, id_field, text_field, res, kept, mark) -> Iterator[dict]:
    from copytrace.keep import stream_records

    changed: list[str] = []
    yield from stream_records(documents_from(paths, id_field, text_field), res, kept, mark,
                              changed)
    if changed:
        raise InputsChanged(changed[0])


class InputsChanged(RuntimeError):
    """``dedup(fast=True)``: the inputs were not the same on the second read."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        super().__init__(f"the inputs changed between the two reads (document {doc_id!r}); "
                         "run again on inputs that are not being written to")


def stream_config(containment: float, workers: int | None):
    """The streaming engine's settings for ``dedup --fast`` (checked)."""
    from copytrace.engines.stream import StreamConfig

    if not 0.05 <= containment <= 1.0:
        raise OptionError("containment", f"{containment:g} is not in the range 0.05 to 1")
    return StreamConfig(threshold=containment, workers=workers or 0)


def _skipping(items: Iterable[Document | Problem], strict: bool,
              on_skip: Callable[[Problem], None] | None,
              skipped: list[Problem]) -> Iterator[Document]:
    """The documents of ``items``; each problem is collected in ``skipped`` and passed to
    ``on_skip`` (with ``strict``: raised as `StrictStop`)."""
    for got in items:
        if isinstance(got, Document):
            yield got
            continue
        if strict:
            raise StrictStop(got)
        skipped.append(got)
        if on_skip is not None:
            on_skip(got)

