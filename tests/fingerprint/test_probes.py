"""Probe vectors (pipeline.probes): a repeated probe input is encoded once and gets the vector
it would have had alone."""

import numpy as np

from copytrace import pipeline
from copytrace.config import ScanConfig
from copytrace.fingerprint import embed


def test_repeated_probe_inputs_are_encoded_once_with_the_same_vectors(monkeypatch):
    story = ("The harbour authority said on Monday that the strike had closed three terminals "
             "and that talks with the dockers' union would resume on Thursday. ") * 12
    other = "A recipe for bread: flour, water, salt and time, kneaded for ten minutes."
    texts = [story, story + " Updated at noon.", story[:650] + "\n\n" + story[650:], other, "",
             other, "\n" + story]
    want = embed.probe_vectors(texts)  # each text alone
    calls = []
    real = embed.encode_sentences

    def counting(sentences):
        calls.extend(sentences)
        return real(sentences)

    monkeypatch.setattr(embed, "encode_sentences", counting)
    got = pipeline.probes(texts, ScanConfig())
    # the story three ways with the same first 600 characters, the recipe twice: two inputs
    # encoded, the empty text none; a leading line break moves the story's 600-character
    # window, which is then another input
    assert len(calls) == 3
    assert got.shape == want.shape and np.array_equal(got, want)
    assert not got[4].any()
