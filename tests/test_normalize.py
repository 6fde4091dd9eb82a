import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.normalize import tokenize, tokenize_many


def words(text):
    t = tokenize(text)
    return [text[s:e] for s, e in zip(t.start.tolist(), t.end.tolist())]


def test_offsets_are_str_indices_with_non_ascii_text():
    text = "Café “quotes” — naïve 中文 text 😀 end"
    assert words(text) == ["Café", "quotes", "naïve", "中", "文", "text", "end"]


def test_case_accents_and_lookalike_letters_fold_to_the_same_token():
    plain = tokenize("The cafe opened")
    disguised = tokenize("THE Cafè оpеnеd")  # Cyrillic о and е
    assert plain.hash.tolist() == disguised.hash.tolist()


def test_zero_width_characters_do_not_split_words():
    t = tokenize("co\u200bpy soft\u00adhyphen")
    assert t.hash.tolist() == tokenize("copy softhyphen").hash.tolist()
    assert len(t) == 2


def test_line_numbers_count_newlines():
    t = tokenize("one two\n\nthree\nfour five")
    assert t.line.tolist() == [0, 0, 2, 3, 3]


def test_batch_equals_single():
    texts = ["alpha beta", "", "gamma\ndelta epsilon", "ünïcödé"]
    batch = tokenize_many(texts)
    for text, tok in zip(texts, batch):
        single = tokenize(text)
        assert np.array_equal(single.hash, tok.hash)
        assert np.array_equal(single.start, tok.start)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_every_token_slices_back_to_word_characters(text):
    t = tokenize(text)
    assert (t.start < t.end).all()
    assert (np.diff(t.start) > 0).all()
    for s, e in zip(t.start.tolist(), t.end.tolist()):
        assert 0 <= s < e <= len(text)
        assert text[s].isalnum() and text[e - 1].isalnum(), (text, text[s:e])
