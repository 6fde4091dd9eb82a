"""The spin-robust skeleton of a document: content words masked, immutables kept.

A synonym spinner rewrites content words ("house" -> "home", "strikes" -> "hits") and leaves the
rest alone: function words, names, numbers, words its thesaurus lacks -- DSpin's *immutables*
(Zhang et al., NDSS 2014). So the sequence "immutables with a hole for every content word" is the
same in a spun copy and in its source, whatever thesaurus the spinner used, as long as it swaps
one dictionary word for another:

    "The White House said on Monday that 40 talks ..."  ->  "the * * said on monday that 40 * ..."
    "The White Home stated on Monday that 40 talks ..." ->  "the * * * on monday that 40 * ..."

("said" is a function word for us, "stated" is not, hence one difference.) A content word is a
form of the WordNet lexicon that is not a function word or a one- or two-letter form
(`copytrace.lexicon.Lexicon.forms`). Measured with an independent thesaurus (bench/spinner.py,
Aiksaurus): 92% of its substitutions replace a content word by a content word, so the skeleton
survives where 5-word shingles of the text do not.

The skeleton is long-range evidence, not proof: two unrelated articles can share a skeleton
n-gram ("* * of the * * in the"), which is why skeleton shingles are long (10 tokens) and sampled,
and why alignment on skeletons checks the real words before it names a pair spun
(`copytrace.relate`).
"""

from __future__ import annotations

import numpy as np

from copytrace.lexicon import Lexicon, lexicon
from copytrace.normalize import Tokens

#: The token hash every content word becomes (a fixed random value, not any word's hash).
MASK = np.uint64(0xA5C3_96E1_7B2F_4D08)


def content_mask(tokens: list[Tokens], lex: Lexicon | None = None) -> list[np.ndarray]:
    """For each document, True at its content words (one lexicon lookup for all of them)."""
    lex = lex or lexicon()
    if not tokens:
        return []
    flat = np.concatenate([t.hash for t in tokens]).astype(np.uint64, copy=False)
    content = lex.forms(flat) >= 0
    ends = np.cumsum([len(t) for t in tokens])[:-1]
    return np.split(content, ends)


def skeletons(tokens: list[Tokens], content: list[np.ndarray] | None = None) -> list[Tokens]:
    """Each document's tokens with every content word's hash replaced by MASK (offsets kept)."""
    content = content if content is not None else content_mask(tokens)
    return [Tokens(t.start, t.end, np.where(c, MASK, t.hash), t.line)
            for t, c in zip(tokens, content)]
