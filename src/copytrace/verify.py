"""Verification: align a candidate pair and name what it is (the align + relate stages together).

A pair is aligned on its words; unless that shows a verbatim copy it is also aligned on its
skeletons (content words masked, `copytrace.fingerprint.skeleton`), and the content words the
skeleton alignment pairs up are compared: the same word, or a substitute? That is the evidence
`copytrace.relate` needs to call a pair ``spun`` and to tell its source from its copy. Engines and
``copytrace compare`` both verify through `Verifier`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from copytrace.align import AlignParams, Alignment, GramTable, align_many, aligned_positions
from copytrace.fingerprint.skeleton import content_mask, skeletons
from copytrace.language import clearly_other
from copytrace.normalize import Tokens
from copytrace.relate import (REST_CHARS, RelateParams, SpinEvidence, classify,
                              in_neither_language, is_copy, is_spun, own_languages,
                              short_spin_candidate, template_middles_differ, template_only,
                              without_weak_tokens)
from copytrace.relations import EDITED, PARTIAL, SPUN, VERBATIM

#: Skeleton alignment: long seeds (a skeleton 3-gram like "* of the" is everywhere), chains and
#: passages of at least a dozen tokens.
SKELETON_ALIGN = AlignParams(seed=6, gap=12, min_chain=10, merge_gap=40, min_passage=12,
                             min_density=0.5)


SKIP_DENSITY = 0.97

#: A line of a shared passage shorter than this is never judged to be in another language.
LINE_CHARS = 80


@dataclass
class Verdict:
    alignment: Alignment  # the alignment behind the relation (skeleton alignment for spun pairs)
    relation: str | None  # None: no passage worth reporting
    spin: SpinEvidence | None = None


@dataclass
class VerifyParams:
    align: AlignParams = field(default_factory=AlignParams)
    skeleton_align: AlignParams = SKELETON_ALIGN
    relate: RelateParams = field(default_factory=RelateParams)
    spun: bool = True  # align skeletons and look for spun copies


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    """The text outside the character ``spans``."""
    parts, at = [], 0
    for start, end in sorted(spans):
        parts.append(text[at:max(start, at)])
        at = max(at, end)
    parts.append(text[at:])
    return "\n".join(parts)


def _covered(spans: list[tuple[int, int]]) -> int:
    """Characters inside the ``spans`` (overlaps counted once)."""
    total, at = 0, 0
    for start, end in sorted(spans):
        total += max(end - max(start, at), 0)
        at = max(at, end)
    return total


def _lines_inside(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pieces of the text's lines that lie inside the character ``spans``."""
    out = []
    for start, end in sorted(spans):
        at = start
        while at < end:
            nl = text.find("\n", at, end)
            stop = end if nl < 0 else nl
            if stop > at:
                out.append((at, stop))
            at = stop + 1
    return out


_NO_TOKENS = Tokens(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.uint64),
                    np.empty(0, np.int32))


class Verifier:
    """Holds the n-gram tables of the documents that have candidates, and verifies pairs."""

    def __init__(self, tokens: list[Tokens], params: VerifyParams | None = None,
                 needed: np.ndarray | None = None, content: list[np.ndarray] | None = None,
                 skeleton: list[Tokens] | None = None, quoted: list[np.ndarray] | None = None,
                 texts: list[str] | None = None):
        """``content`` and ``skeleton`` (from `copytrace.fingerprint.skeleton`, for every
        document) are computed here when the caller has not got them already. ``quoted``: per
        document, which tokens lie inside quotation marks (`copytrace.quotes`); None: shared
        quotations count as any shared text. ``texts``: the documents' texts, to tell the
        language of what a pair shares from that of the rest (`relate.in_neither_language`);
        None: not told."""
        self.p = params or VerifyParams()
        self.tokens = tokens
        self.quoted = quoted
        self.texts = texts
        need = np.ones(len(tokens), dtype=bool) if needed is None else needed
        used = [t if need[d] else _NO_TOKENS for d, t in enumerate(tokens)]
        self.table = GramTable.build(used, self.p.align.seed)
        self.skel_table = None
        if self.p.spun:
            if content is None:
                content = content_mask(used)
            self.content = content
            if skeleton is None:
                skel = skeletons(used, [c if need[d] else c[:0] for d, c in enumerate(content)])
            else:
                skel = [s if need[d] else _NO_TOKENS for d, s in enumerate(skeleton)]
            self.skel_table = GramTable.build(skel, self.p.skeleton_align.seed)

    def verify(self, pairs: np.ndarray) -> list[Verdict]:
        pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
        # a pair sharing only a page template (`relate.template_only`) is no copy: what it
        # shares is reported as a passage when it is solid (a footer, or a passage that ends
        # both documents: on PAN-13 two such cases were real reuse), never as a family
        out = [Verdict(al, (PARTIAL if al.solid else None) if self._template(i, j, al)
                       else classify(al, self.p.relate))
               for al, (i, j) in zip(align_many(self.tokens, self.table, pairs, self.p.align),
                                     pairs.tolist())]
        own_language = set()  # pairs whose shared words are all in a page's own language
        for k, (i, j) in enumerate(pairs.tolist()):
            al = out[k].alignment
            if out[k].relation not in (None, PARTIAL) and not self._beyond_weak(
                    i, j, al, self.table, self.p.align, exact=True, own_language=own_language):
                # a copy only thanks to quotations both carry, or to a site's chrome in
                # another language: what they share is a passage
                out[k] = Verdict(al, PARTIAL if al.solid else None)
        if self.skel_table is None:
            return out
        # a word alignment that already matches almost every token inside its passages leaves
        # no room for the >= 10% substituted content words of a spun copy: skip the skeletons
        todo = [k for k, v in enumerate(out) if v.relation != VERBATIM
                and not (v.relation == EDITED and v.alignment.density >= SKIP_DENSITY)]
        if not todo:
            return out
        sub = pairs[todo]
        for k, sal, (i, j) in zip(todo, align_many(self.tokens, self.skel_table, sub,
                                                   self.p.skeleton_align), sub.tolist()):
            if not sal.passages or not is_copy(sal, self.p.relate) or \
                    self._template(i, j, sal) or \
                    not self._beyond_weak(i, j, sal, self.skel_table, self.p.skeleton_align,
                                          exact=False, foreign=(i, j) not in own_language):
                continue
            ev = self.evidence(i, j, sal)
            if is_spun(sal, ev, self.p.relate):
                out[k] = Verdict(sal, SPUN, ev)
        return out

    def _template(self, i: int, j: int, al: Alignment) -> bool:
        """Do i and j share only a page template around different texts
        (`relate.template_only`, `relate.template_middles_differ`)?"""
        if not template_only(al, self.p.relate):
            return False

        def middle_words(t: Tokens, lo: np.ndarray, hi: np.ndarray) -> set:
            inside = np.zeros(len(t), dtype=bool)
            for s, e in zip(lo.tolist(), hi.tolist()):
                inside[s:e] = True
            keep = ~inside & (t.end - t.start >= 4)
            return set(t.hash[keep].tolist())

        ta, tb = self.tokens[i], self.tokens[j]
        return template_middles_differ(middle_words(ta, al.spans[:, 0], al.spans[:, 1]),
                                       middle_words(tb, al.spans[:, 2], al.spans[:, 3]),
                                       self.p.relate)

    def _foreign(self, i: int, j: int, al: Alignment) -> np.ndarray | None:
        """Which tokens of i lie on a line, inside the passages, written in a language neither
        document's text outside the passages is in (`relate.in_neither_language`); None when
        there are none (or no texts to tell by)."""
        if self.texts is None or not al.passages:
            return None
        ta, tb = self.texts[i], self.texts[j]
        spans_a, spans_b = [p.a for p in al.passages], [p.b for p in al.passages]
        if min(len(ta) - _covered(spans_a), len(tb) - _covered(spans_b)) < REST_CHARS:
            return None  # too little of a page's own text to tell its language (copies)
        lines = _lines_inside(ta, spans_a)
        # most pairs share text in their own language: a first look settles them (a shared
        # passage mostly in a page's own language is a copy's, whatever else it holds)
        rests = own_languages("\n".join(ta[lo:hi] for lo, hi in lines),
                              lambda: _outside(ta, spans_a), lambda: _outside(tb, spans_b))
        if rests is None:
            return None
        rest_a, rest_b = rests
        starts = self.tokens[i].start
        out = np.zeros(len(starts), dtype=bool)
        for lo, hi in lines:
            # a line of a few words reads as any language: such lines are left as they are
            if hi - lo >= LINE_CHARS and in_neither_language(
                    clearly_other(ta[lo:hi], (rest_a, rest_b)), rest_a, rest_b):
                out[np.searchsorted(starts, lo):np.searchsorted(starts, hi)] = True
        return out if out.any() else None

    def _beyond_weak(self, i: int, j: int, al: Alignment, table, params, exact: bool,
                     foreign: bool = True, own_language: set | None = None) -> bool:
        """Does the pair still pass the gate without its weak matched tokens: those quoted in
        both documents (`relate.without_weak_tokens`), and (with ``foreign``) those on lines in
        a language neither document is otherwise written in (`_foreign`)? ``own_language``
        collects the pairs found to have none (their skeleton alignment, which lines up the same
        text and more, is not read again)."""
        weak_a = None
        if self.quoted is not None and self.quoted[i].any() and self.quoted[j].any():
            weak_a, weak_b = self.quoted[i], self.quoted[j]
        foreign = self._foreign(i, j, al) if foreign else None
        if foreign is None and own_language is not None:
            own_language.add((i, j))
        if weak_a is None and foreign is None:
            return True
        pos = aligned_positions(table, i, j, al, len(self.tokens[i]), params)
        on = pos >= 0
        if exact:
            on &= self.tokens[i].hash == self.tokens[j].hash[np.maximum(pos, 0)]
        weak = np.zeros(len(on), dtype=bool)
        if weak_a is not None:
            weak |= on & weak_a & weak_b[np.maximum(pos, 0)]
        if foreign is not None:
            weak |= on & foreign
        n_a = int(weak.sum())
        if n_a == 0:
            return True
        n_b = len(np.unique(pos[weak]))
        return is_copy(without_weak_tokens(al, n_a, n_b), self.p.relate)

    def evidence(self, i: int, j: int, skel: Alignment) -> SpinEvidence:
        """Compare the content words that the skeleton alignment of (i, j) pairs up.

        Only *anchored* content words count: the word itself and an exact match within two
        tokens on each side lie on the same alignment diagonal. A spinner's swap sits between
        words it left alone ("the [House -> Home] said"); a word merely shifted against its
        partner by an edit (an inserted or deleted word nearby) has no exact neighbours on its
        diagonal and is not counted as a substitution.
        """
        from copytrace.spin import related_substitutions, substitution_votes

        ha, hb = self.tokens[i].hash, self.tokens[j].hash
        pos = aligned_positions(self.skel_table, i, j, skel, len(ha), self.p.skeleton_align)
        n = len(ha)
        on = pos >= 0
        diag = np.where(on, pos - np.arange(n), np.iinfo(np.int64).min)
        exact = on & (ha == hb[np.maximum(pos, 0)])

        def anchored(step: int) -> np.ndarray:
            ok = np.zeros(n, dtype=bool)
            for k in (1, 2):
                if step < 0:
                    ok[k:] |= exact[:-k] & (diag[:-k] == diag[k:])
                else:
                    ok[:-k] |= exact[k:] & (diag[k:] == diag[:-k])
            return ok

        at = np.flatnonzero(on & self.content[i] & anchored(-1) & anchored(+1))
        same = exact[at]
        diff = at[~same]
        ev = SpinEvidence(len(at), int(same.sum()), 0, 0, int(on.sum()), int(exact.sum()))
        if short_spin_candidate(ev, self.p.relate):
            ev = replace(ev, related=related_substitutions(ha[diff], hb[pos[diff]]))
        if not is_spun(skel, ev, self.p.relate):
            return ev  # the votes only orient spun pairs: skip the phrase lookups
        va, vb = substitution_votes(ha, hb, diff, pos[diff])
        return replace(ev, votes_a=va, votes_b=vb)
