"""De-duplication: which member of each copy family a de-duplicated corpus keeps, and the
records it writes. `copytrace dedup` (families from a scan) and `copytrace dedup --fast`
(families from the streaming engine) both keep members by `keep_one_per_family`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from copytrace.document import Document
from copytrace.relations import SOURCE

if TYPE_CHECKING:
    import numpy as np

#: Which member a family keeps: its source (ties: the longest, then the first read), or its
#: longest, most complete member (ties: the source, then the first read).
PREFER = (SOURCE, "longest")


def keep_one_per_family(family: np.ndarray, is_source: np.ndarray, chars: np.ndarray,
                        prefer: str = SOURCE) -> np.ndarray:
    """Mask of the documents kept, one per family. ``family``: any label per document (its
    family); ``is_source``: is the document its family's source; ``chars``: its length;
    documents in reading order."""
    import numpy as np

    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER}, not {prefer!r}")
    n = len(family)
    _, fam = np.unique(np.asarray(family), return_inverse=True)
    first = np.arange(n)
    not_source = ~np.asarray(is_source, dtype=bool)
    longer = -np.asarray(chars, dtype=np.int64)
    keys = (first, longer, not_source) if prefer == SOURCE else (first, not_source, longer)
    order = np.lexsort(keys + (fam,))
    keep = np.zeros(n, dtype=bool)
    if n:
        keep[order[np.r_[True, fam[order][1:] != fam[order][:-1]]]] = True
    return keep


def output_record(d: Document) -> dict[str, Any]:
    """A document as a de-duplicated record: its fields, then the input record's other fields."""
    rec = {"id": d.id, "text": d.text, "url": d.url, "title": d.title, "date": d.date,
           "source": d.source_name}
    rec.update({k: v for k, v in d.meta.items() if k not in ("id_from_name", "record")
                and k not in rec})
    return rec


def family_fields(family: str, relation: str, source: str | None) -> dict[str, Any]:
    """The fields ``--mark`` adds to a record."""
    return {"family": family, "relation": relation, "family_source": source}
