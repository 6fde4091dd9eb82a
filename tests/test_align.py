import random

from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.align import align
from copytrace.normalize import tokenize, tokenize_many
from copytrace.relate import classify, direction

WORDS = ("court ruling minister budget river harbour school vote tax border energy price market "
         "union strike police health water city village farmer doctor judge report week month "
         "said told added would could their after before under over about against during").split()


def prose(rng, n):
    return " ".join(rng.choice(WORDS) + ("." if rng.random() < 0.08 else "") for _ in range(n))


def norm_tokens(text):
    return tokenize(text).hash.tolist()


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**9), n_shared=st.integers(0, 200), pre_a=st.integers(0, 150),
       pre_b=st.integers(0, 150), noise=st.text(max_size=30))
def test_passages_slice_back_to_the_reused_text(seed, n_shared, pre_a, pre_b, noise):
    rng = random.Random(seed)
    shared = prose(rng, n_shared)
    a = prose(rng, pre_a) + " " + noise + " " + shared + " " + prose(rng, 40)
    b = noise + prose(rng, pre_b) + "\n\n" + shared.upper() + " ¶ " + prose(rng, 30)
    ta, tb = tokenize_many([a, b])
    al = align(ta, tb)
    for p in al.passages:
        sa, sb = a[p.a[0]:p.a[1]], b[p.b[0]:p.b[1]]
        assert 0 <= p.a[0] < p.a[1] <= len(a) and 0 <= p.b[0] < p.b[1] <= len(b)
        assert sa[0].isalnum() and sa[-1].isalnum() and sb[0].isalnum() and sb[-1].isalnum()
        ha, hb = norm_tokens(sa), norm_tokens(sb)
        common = len(set(ha) & set(hb))
        assert common >= 0.5 * min(len(set(ha)), len(set(hb)))
    assert 0.0 <= al.containment_ab <= 1.0 and 0.0 <= al.containment_ba <= 1.0
    if n_shared >= 60:
        assert al.passages, "a 60-word shared passage must be found"
        covered = sum(len(norm_tokens(a[p.a[0]:p.a[1]])) for p in al.passages)
        assert covered >= 0.8 * len(norm_tokens(shared))


def test_edits_inside_a_passage_are_bridged():
    rng = random.Random(3)
    src = [prose(rng, 25) + "." for _ in range(12)]
    copy = list(src)
    copy[3] = "An entirely different sentence was put here by the editor of the copy."
    copy[7] = copy[7].replace("said", "stated")
    del copy[9]
    a, b = " ".join(src), " ".join(copy)
    al = align(*tokenize_many([a, b]))
    assert len(al.passages) == 1
    assert al.containment_ba > 0.9
    assert classify(al) == "edited"


def test_verbatim_copy_and_truncation():
    rng = random.Random(5)
    text = " ".join(prose(rng, 20) + "." for _ in range(10))
    al = align(*tokenize_many([text, "  " + text.replace(" ", "\n", 5) + " "]))
    assert classify(al) == "verbatim"
    half = text[: len(text) // 2]
    al = align(*tokenize_many([text, half]))
    assert classify(al) == "verbatim"
    assert direction(al, None, None) == "a->b"  # the half is inside the whole: it is the copy
    assert direction(al, "2024-01-02", "2024-01-01") == "b->a"  # dates win


def test_spin_votes_direct_a_spun_pair_or_say_both_sides_are_spins():
    from copytrace.relate import SpinEvidence

    text = prose(random.Random(3), 200)
    al = align(*tokenize_many([text, text]))

    def way(va, vb):
        return direction(al, None, None, relation="spun", spin=SpinEvidence(votes_a=va, votes_b=vb))

    assert way(17, 6) == "a->b" and way(6, 26) == "b->a"  # a 2:1 majority: the original
    assert way(2, 2) == way(9, 9) == way(4, 3) == "neither"  # each side reads as spun
    assert way(5, 9) == "unknown"  # neither a 2:1 majority nor a balance within 1.5
    assert way(1, 3) == "b->a"  # a majority of few votes still directs
    assert way(1, 1) == "unknown"  # too few votes (equal texts: no containment rule either)


def test_a_shared_quote_is_not_reuse():
    rng = random.Random(9)
    quote = ("whether there is a significant possibility of persecution or torture if an asylum "
             "seeker is sent back")
    a = prose(rng, 300) + " " + quote + " " + prose(rng, 200)
    b = prose(rng, 250) + " " + quote + " " + prose(rng, 250)
    al = align(*tokenize_many([a, b]))
    assert classify(al) is None


def test_empty_and_tiny_inputs():
    ta, tb = tokenize_many(["", "one two"])
    al = align(ta, tb)
    assert al.passages == [] and classify(al) is None


def test_a_short_page_reusing_part_of_another_is_a_copy_and_a_phrase_is_not():
    """The gate asks 40 matching words, or 40% of a shorter document's words."""
    r = random.Random(9)
    vocab = [f"w{i}" for i in range(5000)]
    page = " ".join(r.choice(vocab) for _ in range(300))
    lifted = " ".join(page.split()[100:120])  # 20 words of the page
    snippet = " ".join(r.choice(vocab) for _ in range(10)) + " " + lifted + " " + \
        " ".join(r.choice(vocab) for _ in range(10))  # a 40-word glossary entry
    assert classify(align(tokenize(snippet), tokenize(page))) == "edited"
    phrase = " ".join(page.split()[100:110])  # 10 words: a phrase, not reuse
    other = " ".join(r.choice(vocab) for _ in range(15)) + " " + phrase + " " + \
        " ".join(r.choice(vocab) for _ in range(15))
    assert classify(align(tokenize(other), tokenize(page))) is None
