"""`ScanConfig`: every knob of a scan, in one place, with the documented defaults.

Each stage keeps its own frozen parameters (`align.AlignParams`, `relate.RelateParams`,
`semantic.SemanticParams`, `boilerplate.BoilerplateParams`...); a `ScanConfig` holds one of each
plus the candidate channels' settings. Every engine (local, Spark) and the index read the same
`ScanConfig`, so a setting means the same thing wherever the stages run. The index stores the
fields that its keys depend on (`INDEX_FIELDS`) when it is created.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from copytrace.align import AlignParams
from copytrace.boilerplate import BoilerplateParams
from copytrace.candidates import lsh_params
from copytrace.relate import RelateParams
from copytrace.semantic import SemanticParams
from copytrace.verify import SKELETON_ALIGN, VerifyParams


#: Marks the fields an index is built with (fixed at creation: its stored keys depend on them).
_INDEX = {"index": True}


@dataclass
class ScanConfig:
    """Every knob of a scan; the defaults are the documented ones."""

    # LSH target Jaccard similarity of 5-word shingles
    threshold: float = field(default=0.3, metadata=_INDEX)
    num_perm: int = field(default=128, metadata=_INDEX)
    shingle: int = field(default=5, metadata=_INDEX)
    bands: int | None = None  # derived from threshold when None
    rows: int | None = None
    max_bucket: int = field(default=64, metadata=_INDEX)
    # 1 in anchor_rate shingles is an anchor (0 disables the channel)
    anchor_rate: int = field(default=8, metadata=_INDEX)
    min_anchors: int = field(default=3, metadata=_INDEX)
    # documents of fewer tokens also keep 1 in dense_rate shingles as anchors
    dense_below: int = field(default=150, metadata=_INDEX)
    dense_rate: int = field(default=2, metadata=_INDEX)
    # compute spun_score (spin evidence without a source; copytrace.spin)
    spin: bool = field(default=True, metadata=_INDEX)
    # find spun copies of documents in the corpus (skeleton channel)
    spun: bool = field(default=True, metadata=_INDEX)
    skeleton_shingle: int = field(default=10, metadata=_INDEX)  # tokens per skeleton anchor
    # 1 in skeleton_rate skeleton shingles is an anchor
    skeleton_rate: int = field(default=8, metadata=_INDEX)
    # rewrites, translations and stories (sentence encoder)
    semantic: bool = field(default=True, metadata=_INDEX)
    # with it, embed every document's first characters: story links, translation candidates
    probes: bool = field(default=True, metadata=_INDEX)
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    batch_chars: int = 2_000_000
    boilerplate: BoilerplateParams = field(default_factory=BoilerplateParams)
    align: AlignParams = field(default_factory=AlignParams)
    skeleton_align: AlignParams = SKELETON_ALIGN
    relate: RelateParams = field(default_factory=RelateParams)
    semantic_params: SemanticParams = field(default_factory=SemanticParams)

    def verify_params(self) -> VerifyParams:
        return VerifyParams(self.align, self.skeleton_align, self.relate, self.spun)

    def banding(self) -> tuple[int, int]:
        """(bands, rows) of the LSH channel: ``bands``/``rows`` when both are set, else derived
        from ``threshold`` (`candidates.lsh_params`)."""
        if self.bands and self.rows:
            if self.bands * self.rows > self.num_perm:
                raise ValueError(f"bands x rows = {self.bands * self.rows} exceeds "
                                 f"num_perm = {self.num_perm}")
            return self.bands, self.rows
        return lsh_params(self.threshold, self.num_perm)


#: The fields an index is built with (fixed at creation: its stored keys depend on them).
INDEX_FIELDS = tuple(f.name for f in fields(ScanConfig) if f.metadata.get("index"))
