"""Build copytrace's synonym lexicon (src/copytrace/data/lexicon.npz) from WordNet 3.0.

    sudo apt-get install wordnet-base        # or: apt-get download wordnet-base && dpkg-deb -x ...
    python tools/build_lexicon.py [--wordnet /usr/share/wordnet]

What it writes (all keyed by copytrace's own token hash, so lookups need no strings at run time):
- forms: every single-word lemma of WordNet (nouns, verbs, adjectives, adverbs) and its regular and
  irregular inflections (plural / 3rd person "-s", past "-ed", "-ing"; the exception lists), each
  mapped to its lemma and its inflection type;
- synonyms of each lemma: the lemmas sharing any of its synsets (every sense, as a spinner would use
  it), plus adjectives' "similar to" neighbours, plus the word substitutions seen in real spun
  text (../shared/data/tortured_phrases: "occasions" for "times"), when that file is present;
- a class id per lemma: synonyms merged, most frequent senses first, into classes of at most
  ``--max-class`` lemmas (a transitive closure over all senses would join most of English in one
  class);
- the surface text of every form, to show likely originals of suspicious phrases.

The result is committed; rebuild it when the tokenizer's hash changes (a test checks that the
shipped table still matches the tokenizer). WordNet's licence is kept beside it (WORDNET_LICENSE).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np

POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
BASE, S, ED, ING = 0, 1, 2, 3
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "copytrace" / "data"


def _lines(path: Path):
    with open(path, encoding="latin-1") as f:
        for line in f:
            if not line.startswith("  "):
                yield line


def read_synsets(wn: Path) -> tuple[dict, dict]:
    """{(pos, offset): [lemma...]} and {(pos, offset): [(pos, offset) similar-to...]}."""
    synsets, similar = {}, {}
    for name, p in POS.items():
        for line in _lines(wn / f"data.{name}"):
            parts = line.split(" | ")[0].split()
            off, n_words = parts[0], int(parts[3], 16)
            words = [parts[4 + 2 * i] for i in range(n_words)]
            lemmas = []
            for w in words:
                w = w.split("(")[0].lower()  # adjective markers: "galore(ip)"
                if w.isalpha() and w.isascii():
                    lemmas.append(w)
            key = (p, off)
            synsets[key] = lemmas
            i = 4 + 2 * n_words
            n_ptr = int(parts[i])
            sims = []
            for j in range(n_ptr):
                sym, target, tpos = parts[i + 1 + 4 * j: i + 4 + 4 * j]
                if sym == "&":
                    sims.append(("a" if tpos in "as" else tpos, target))
            if sims:
                similar[key] = sims
    return synsets, similar


def read_sense_order(wn: Path) -> dict:
    """{(pos, lemma): [offset...]} in WordNet's frequency order."""
    order = {}
    for name, p in POS.items():
        for line in _lines(wn / f"index.{name}"):
            parts = line.split()
            lemma, n_syn, n_ptr = parts[0], int(parts[2]), int(parts[3])
            offs = parts[6 + n_ptr: 6 + n_ptr + n_syn]
            order[(p, lemma)] = offs
    return order


def inflections(lemma: str, pos: str, exc: dict) -> dict[int, set[str]]:
    """Regular (Morphy's rules, reversed) and irregular forms of a lemma."""
    out: dict[int, set[str]] = {BASE: {lemma}}
    for form, ty in exc.get((pos, lemma), []):
        out.setdefault(ty, set()).add(form)
    if pos in ("n", "v"):
        if lemma.endswith(("s", "x", "z", "ch", "sh")):
            s = lemma + "es"
        elif lemma.endswith("y") and len(lemma) > 1 and lemma[-2] not in "aeiou":
            s = lemma[:-1] + "ies"
        else:
            s = lemma + "s"
        out.setdefault(S, set()).add(s)
    if pos == "v":
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        out.setdefault(ED, set()).add(lemma + "d" if lemma.endswith("e") else
                                      (lemma[:-1] + "ied" if lemma.endswith("y") and
                                       lemma[-2:-1] not in ("a", "e", "o", "u") else lemma + "ed"))
        out.setdefault(ING, set()).add(stem + "ing")
    return out


def read_exceptions(wn: Path) -> dict:
    exc: dict = {}
    for name, p in (("noun", "n"), ("verb", "v")):
        for line in _lines(wn / f"{name}.exc"):
            parts = line.split()
            if len(parts) < 2 or not parts[0].isalpha():
                continue
            form, lemma = parts[0], parts[1]
            if p == "n":
                ty = S
            elif form.endswith("ing"):
                ty = ING
            elif form.endswith("s"):
                ty = S
            else:
                ty = ED
            exc.setdefault((p, lemma), []).append((form, ty))
    return exc


class _UF:
    def __init__(self, n: int):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int, cap: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb and self.size[ra] + self.size[rb] <= cap:
            if self.size[ra] < self.size[rb]:
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.size[ra] += self.size[rb]


def tortured_pairs(path: Path) -> list[tuple[str, str]]:
    """Word substitutions seen in real spun text: (original, substitute) from tortured phrases
    whose expected phrase has as many words (the rows that are search queries give their first
    quoted phrase)."""
    import csv
    import re

    out = []
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            quoted = re.findall(r'"([^"]+)"', row["tortured_phrase"])
            tortured = (quoted[0] if quoted else row["tortured_phrase"]).lower().split()
            expected = row["expected_phrase"].lower().split()
            if len(tortured) == len(expected):
                out += [(e, t) for e, t in zip(expected, tortured) if e != t and e.isalpha()
                        and t.isalpha()]
    return out


def build(wn: Path, max_class: int, tortured: Path | None = None) -> dict:
    from copytrace.normalize import tokenize_many

    synsets, similar = read_synsets(wn)
    order = read_sense_order(wn)
    exc = read_exceptions(wn)
    lemmas = sorted({w for ws in synsets.values() for w in ws})
    index = {w: i for i, w in enumerate(lemmas)}
    syn: list[set[int]] = [set() for _ in lemmas]
    for key, ws in synsets.items():
        members = [index[w] for w in ws]
        for key2 in similar.get(key, []):
            members += [index[w] for w in synsets.get(key2, [])]
        for a in members:
            syn[a].update(members)
    n_tortured = 0
    if tortured is not None:
        base_of = {}
        for w in lemmas:
            for p in ("n", "v", "a"):
                for fs in inflections(w, p, exc).values():
                    for f in fs:
                        base_of.setdefault(f, w)
        for w in lemmas:
            base_of[w] = w
        for e, t in tortured_pairs(tortured):
            if e in base_of and t in base_of:
                a, b = index[base_of[e]], index[base_of[t]]
                syn[a].add(b)
                syn[b].add(a)
                n_tortured += 1
    for a in range(len(lemmas)):
        syn[a].discard(a)

    # Bounded classes: union synsets' members sense rank by sense rank (most frequent first).
    uf = _UF(len(lemmas))
    max_rank = max(len(v) for v in order.values())
    for rank in range(min(max_rank, 4)):
        for (p, lemma), offs in order.items():
            if rank < len(offs) and lemma in index:
                for w in synsets.get((p, offs[rank]), []):
                    uf.union(index[lemma], index[w], max_class)
    cls = np.array([uf.find(i) for i in range(len(lemmas))], dtype=np.int32)

    # Surface forms -> (lemma, inflection type); a form shared by two lemmas keeps the first.
    lemma_pos: dict[str, set[str]] = {}
    for (p, _), ws in synsets.items():
        for w in ws:
            lemma_pos.setdefault(w, set()).add(p)
    forms: dict[str, tuple[int, int]] = {}
    for w in lemmas:
        for p in sorted(lemma_pos[w]):
            for ty, fs in inflections(w, p, exc).items():
                for f in fs:
                    if ty == BASE:  # a lemma's own spelling always maps to it
                        forms[f] = (index[w], BASE)
                    else:
                        forms.setdefault(f, (index[w], ty))
    texts = sorted(forms)
    toks = tokenize_many(texts)
    keep = [i for i, t in enumerate(toks) if len(t) == 1]
    texts = [texts[i] for i in keep]
    hashes = np.array([toks[i].hash[0] for i in keep], dtype=np.uint64)
    order_h = np.argsort(hashes, kind="stable")
    hashes = hashes[order_h]
    texts = [texts[i] for i in order_h]
    if len(np.unique(hashes)) != len(hashes):
        raise SystemExit("token hash collision among lexicon forms")
    form_lemma = np.array([forms[t][0] for t in texts], dtype=np.int32)
    form_type = np.array([forms[t][1] for t in texts], dtype=np.int8)
    # (lemma, type) -> form index, for "the same inflection of a synonym"
    lemma_form = np.full((len(lemmas), 4), -1, dtype=np.int32)
    for i, t in enumerate(texts):
        lem, ty = forms[t]
        if lemma_form[lem, ty] < 0 or (ty == BASE and t == lemmas[lem]):
            lemma_form[lem, ty] = i
    syn_ptr = np.zeros(len(lemmas) + 1, dtype=np.int32)
    np.cumsum([len(s) for s in syn], out=syn_ptr[1:])
    syn_idx = np.array([j for s in syn for j in sorted(s)], dtype=np.int32)
    return {
        "form_hash": hashes, "form_lemma": form_lemma, "form_type": form_type,
        "form_text": np.frombuffer("\n".join(texts).encode("ascii"), dtype=np.uint8),
        "lemma_class": cls, "lemma_form": lemma_form, "syn_ptr": syn_ptr, "syn_idx": syn_idx,
        "n_tortured": np.array(n_tortured),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    ap.add_argument("--max-class", type=int, default=12)
    ap.add_argument("--tortured", type=Path,
                    default=ROOT.parent / "shared" / "data" / "tortured_phrases" / "tortured.csv",
                    help="tortured phrases CSV: adds substitutions seen in real spun text")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if not (args.wordnet / "data.noun").exists():
        raise SystemExit(f"WordNet not found in {args.wordnet} (apt-get install wordnet-base)")
    tortured = args.tortured if args.tortured and args.tortured.exists() else None
    arrays = build(args.wordnet, args.max_class, tortured)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "lexicon.npz", **arrays)
    lic = args.wordnet.parent / "doc" / "wordnet-base" / "copyright"
    if lic.exists():
        shutil.copy(lic, args.out / "WORDNET_LICENSE")
    n = len(arrays["form_hash"])
    print(f"{n} forms, {len(arrays['lemma_class'])} lemmas, {len(arrays['syn_idx'])} synonym links "
          f"-> {args.out / 'lexicon.npz'} ({(args.out / 'lexicon.npz').stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
