"""The synonym lexicon (WordNet 3.0, built by tools/build_lexicon.py), keyed by token hash.

Spinners replace words with dictionary synonyms. This module answers, for token hashes and without
strings: is this word in the lexicon, what are its synonyms (same inflection), and what is its
synonym *class* (a bounded group of synonyms, most frequent senses first) so that a spun word and
its original can compare equal. WordNet's licence: data/WORDNET_LICENSE.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from copytrace.keyindex import KeyIndex
from copytrace.normalize import mix64_array, tokenize_many


# Words a spinner leaves alone and that carry no synonym class: function words. They are in the
# lexicon by accident of WordNet ("a" the letter, "in" the inch, "will" the document...).
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
said same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves one two three new last first year years mr mrs
""".split())


class Lexicon:
    def __init__(self, arrays: dict[str, np.ndarray]):
        self.form_hash = arrays["form_hash"]
        self.form_lemma = arrays["form_lemma"]
        self.form_type = arrays["form_type"]
        self.lemma_class = arrays["lemma_class"]
        self.lemma_form = arrays["lemma_form"]
        self.syn_ptr = arrays["syn_ptr"]
        self.syn_idx = arrays["syn_idx"]
        self._text = bytes(arrays["form_text"]).decode("ascii").split("\n")
        # forms() answers -1 for function words and for one- and two-letter forms ("s", "us",
        # "ie": abbreviations more often than words): they are left out of the index
        stop = np.array([t.hash[0] for t in tokenize_many(sorted(STOPWORDS))], dtype=np.uint64)
        short = np.array([len(t) < 3 for t in self._text], dtype=bool)
        keep = ~np.isin(self.form_hash, stop) & ~short
        self._rows = np.flatnonzero(keep)
        self._index = KeyIndex(self.form_hash[self._rows])

    def __len__(self) -> int:
        return len(self.form_hash)

    def forms(self, hashes: np.ndarray) -> np.ndarray:
        """Form index of each token hash, -1 where the word is not in the lexicon or is a
        function word."""
        r = self._index.find(hashes)
        return np.where(r >= 0, self._rows[r], -1)

    def class_keys(self, hashes: np.ndarray) -> np.ndarray:
        """Token hashes with every lexicon word replaced by a key of its synonym class (the
        inflection kept apart: "strikes" and "strike" stay different); others unchanged."""
        f = self.forms(hashes)
        out = hashes.copy()
        hit = f >= 0
        fi = f[hit]
        key = (self.lemma_class[self.form_lemma[fi]].astype(np.uint64) * np.uint64(8)
               + self.form_type[fi].astype(np.uint64) + np.uint64(0x5151_0000_0000_0000))
        out[hit] = mix64_array(key)
        return out

    def synonyms(self, form: int) -> list[int]:
        """Forms of the synonyms of a form, in the same inflection where the lexicon has it."""
        lem, ty = self.form_lemma[form], self.form_type[form]
        out = []
        for s in self.syn_idx[self.syn_ptr[lem]:self.syn_ptr[lem + 1]]:
            g = self.lemma_form[s, ty]
            if g >= 0:
                out.append(int(g))
        return out

    def text(self, form: int) -> str:
        return self._text[form]

    def are_synonyms(self, form_a: int, form_b: int) -> bool:
        la, lb = self.form_lemma[form_a], self.form_lemma[form_b]
        if la == lb:
            return True
        row = self.syn_idx[self.syn_ptr[la]:self.syn_ptr[la + 1]]
        i = np.searchsorted(row, lb)
        return bool(i < len(row) and row[i] == lb)

    def related(self, form_a: int, form_b: int) -> bool:
        """Are two forms the same word, synonyms, or synonyms of one word (two spinners'
        substitutes for one original: "department" and "branch", "permit" and "enable")?"""
        if self.are_synonyms(form_a, form_b):
            return True
        la, lb = self.form_lemma[form_a], self.form_lemma[form_b]
        row_a = self.syn_idx[self.syn_ptr[la]:self.syn_ptr[la + 1]]
        row_b = self.syn_idx[self.syn_ptr[lb]:self.syn_ptr[lb + 1]]
        return bool(np.intersect1d(row_a, row_b, assume_unique=True).size)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    with resources.files("copytrace.data").joinpath("lexicon.npz").open("rb") as f:
        with np.load(f) as z:
            return Lexicon({k: z[k] for k in z.files})
