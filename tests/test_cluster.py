"""The family, source and story rules (copytrace.cluster) on constructed links whose answer is
known by construction."""

from __future__ import annotations

from copytrace.cluster import (Link, assign_families, assign_stories, choose_source,
                               detached_groups, family_links, member_relations, name_story,
                               original_absent, unpaired_members)
from copytrace.relations import (EDITED, INDEPENDENT, REWRITE, SAME_STORY, SOURCE, SPUN,
                                 TRANSLATION, VERBATIM)

IDS = [f"d{i}" for i in range(10)]
LENGTHS = [100] * 10


def test_the_earliest_dated_member_is_the_source_when_all_are_dated():
    links = [Link(0, 1, EDITED, similarity=0.8, containment_ab=0.9, containment_ba=0.9),
             Link(1, 2, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0)]
    dates = ["2024-03-02", "2024-03-01", "2024-03-05"] + [None] * 7
    fam = assign_families(3, links, dates, LENGTHS, IDS)
    assert fam.source == [1, 1, 1]
    assert fam.relation == [EDITED, SOURCE, VERBATIM]


def test_undated_the_member_holding_most_of_the_others_is_the_source():
    # 1 holds most of 0 and of 2; 0 and 2 hold little of 1 (equal lengths: 1 shares the most words)
    links = [Link(0, 1, EDITED, similarity=0.5, containment_ab=0.9, containment_ba=0.3),
             Link(1, 2, EDITED, similarity=0.5, containment_ab=0.3, containment_ba=0.95)]
    assert choose_source([0, 1, 2], links, [None] * 3, LENGTHS, IDS) == 1


def test_undated_the_source_is_the_text_the_family_reproduces_most_not_a_page_of_snippets():
    # 0: a 300-word text, copied (250 words) by 1 and 2; 3: a 500-word page sharing 100 words
    # with 0 and holding five 20-word snippets 4..8 whole. Shares contained would make 3 the
    # source (0.33 + 5 x 1.0 against 0.96 + 0.96 + 0.2); words shared make 0 the source
    # (600 words against 200).
    lengths = [300, 260, 260, 500] + [20] * 5
    links = [Link(0, k, EDITED, similarity=0.8, containment_ab=250 / 300,
                  containment_ba=250 / 260) for k in (1, 2)]
    links.append(Link(0, 3, EDITED, similarity=0.3, containment_ab=100 / 300,
                      containment_ba=100 / 500))
    links += [Link(3, k, VERBATIM, similarity=1.0, containment_ab=20 / 500, containment_ba=1.0)
              for k in range(4, 9)]
    assert choose_source(list(range(9)), links, [None] * 9, lengths, IDS) == 0


def test_a_spun_copy_is_never_the_source_even_when_earliest():
    links = [Link(0, 1, SPUN, direction="b->a", similarity=0.9, containment_ab=1.0,
                  containment_ba=1.0)]
    dates = ["2024-01-01", "2024-02-01"]
    assert choose_source([0, 1], links, dates, LENGTHS, IDS) == 1  # 0 is marked the copy
    unknown = [Link(0, 1, SPUN, direction="unknown", similarity=0.9, containment_ab=1.0,
                    containment_ba=1.0)]
    assert choose_source([0, 1], unknown, dates, LENGTHS, IDS) == 0  # nothing marked


def test_sibling_spins_are_never_the_source_but_their_original_is():
    # 0: the original; 1 and 2 spun from it (directed), and from each other "neither"
    links = [Link(0, 1, SPUN, direction="a->b", similarity=0.8, containment_ab=0.9,
                  containment_ba=0.9),
             Link(0, 2, SPUN, direction="a->b", similarity=0.8, containment_ab=0.9,
                  containment_ba=0.9),
             Link(1, 2, SPUN, direction="neither", similarity=0.9, containment_ab=1.0,
                  containment_ba=1.0)]
    assert choose_source([0, 1, 2], links, [None] * 3, [100, 100, 120], IDS) == 0
    fam = assign_families(3, links, [None] * 3, [100, 100, 120], IDS)
    assert fam.relation == [SOURCE, SPUN, SPUN]
    assert fam.reported_source() == [0, 0, 0]


def test_a_family_of_sibling_spins_has_no_source():
    # three spins of a text that is not in the corpus: each pair reads "neither" or marks one
    # side; every member is marked, so none is the source and all are spun
    links = [Link(0, 1, SPUN, direction="neither", similarity=0.9, containment_ab=0.95,
                  containment_ba=0.95),
             Link(1, 2, SPUN, direction="a->b", similarity=0.9, containment_ab=0.95,
                  containment_ba=0.95),
             Link(3, 4, EDITED, similarity=0.9, containment_ab=0.95, containment_ba=0.95)]
    fam = assign_families(5, links, [None] * 5, LENGTHS, IDS)
    assert fam.relation[:3] == [SPUN, SPUN, SPUN]
    assert len(set(fam.source[:3])) == 1  # still one family, named after one member
    assert fam.reported_source() == [None, None, None, 3, 3]
    assert fam.relation[3:] == [SOURCE, EDITED]
    assert original_absent([0, 1, 2], links[:2])
    # one member not marked (2 is only the source side of its spun pair): it is the source
    assert not original_absent([0, 1, 2], links[:1] + [
        Link(1, 2, SPUN, direction="b->a", similarity=0.9, containment_ab=0.95,
             containment_ba=0.95)])


def test_ties_go_to_the_longer_then_the_smaller_id():
    links = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0)]
    assert choose_source([0, 1], links, [None, None], [50, 80], IDS) == 1
    assert choose_source([0, 1], links, [None, None], [80, 80], IDS) == 0


def test_same_story_links_never_join_a_family_but_join_a_story():
    links = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(1, 2, SAME_STORY, similarity=0.8)]
    dates = ["2024-01-02", "2024-01-03", "2024-01-01"]
    fam = assign_families(3, links, dates, LENGTHS, IDS)
    assert fam.source == [0, 0, 2] and fam.relation == [SOURCE, VERBATIM, INDEPENDENT]
    story = assign_stories(3, links, fam.source, dates, IDS)
    assert story == [2, 2, 2]  # named after the earliest-dated family source


def test_stories_are_named_after_the_largest_family_when_undated():
    links = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(0, 2, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(2, 3, SAME_STORY, similarity=0.8), Link(3, 4, EDITED, similarity=0.6,
                                                           containment_ab=0.7,
                                                           containment_ba=0.7)]
    fam = assign_families(5, links, [None] * 5, LENGTHS, IDS)
    assert fam.source[:3] == [0, 0, 0] and fam.source[3] == fam.source[4]
    assert name_story(list(range(5)), fam.source, [None] * 5, IDS) == 0
    assert assign_stories(5, links, fam.source, [None] * 5, IDS) == [0] * 5


def test_a_member_linked_only_through_another_is_aligned_with_its_source():
    # 0 -- 1 -- 2: 2 has no pair with the source 0
    links = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(1, 2, EDITED, similarity=0.7, containment_ab=0.8, containment_ba=0.8)]
    dates = ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert unpaired_members([0, 1, 2], 0, links) == [(0, 2)]
    asked = []

    class Found:
        relation, direction, similarity = SPUN, "a->b", 0.6
        containment_ab = containment_ba = 0.6

    def pairs_with_source(wanted):
        asked.extend(wanted)
        return [Found() for _ in wanted]

    fam = assign_families(3, list(links), dates, LENGTHS, IDS, pairs_with_source)
    assert asked == [(0, 2)]
    assert fam.relation == [SOURCE, VERBATIM, SPUN]  # the direct pair names the relation
    # without a direct pair, the member takes its most similar link's relation
    fam = assign_families(3, list(links), dates, LENGTHS, IDS)
    assert fam.relation == [SOURCE, VERBATIM, EDITED]


def test_every_familys_unpaired_members_are_asked_for_at_once_and_a_miss_changes_nothing():
    # two families, each with a member linked only through another: one call for both pairs;
    # the second is not found (None): its member keeps its most similar link's relation
    links = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(1, 2, EDITED, similarity=0.7, containment_ab=0.8, containment_ba=0.8),
             Link(3, 4, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(4, 5, EDITED, similarity=0.6, containment_ab=0.7, containment_ba=0.7)]
    dates = ["2024-01-01", "2024-01-02", "2024-01-03"] * 2
    calls = []

    class Found:
        relation, direction, similarity = SPUN, "a->b", 0.6
        containment_ab = containment_ba = 0.6

    def pairs_with_source(wanted):
        calls.append(list(wanted))
        return [Found() if pair == (0, 2) else None for pair in wanted]

    found = list(links)
    fam = assign_families(6, found, dates, LENGTHS, IDS, pairs_with_source)
    assert calls == [[(0, 2), (3, 5)]]
    assert fam.relation == [SOURCE, VERBATIM, SPUN, SOURCE, VERBATIM, EDITED]
    assert len(found) == 5 and (found[-1].a, found[-1].b) == (0, 2)


def _copy(a, b, share=0.8, rel=EDITED, direction="unknown"):
    return Link(a, b, rel, direction, similarity=share, containment_ab=share,
                containment_ba=share)


def test_members_unrelated_to_the_source_leave_to_form_a_family_of_their_own():
    # 0 -- 1 -- 2 -- 3, dated in that order: 0 is the source. 2 and 3 share a passage with 1
    # only (a sentence 1 and 2 both carry, say) and nothing with 0: aligned with 0 they show no
    # relation, so they leave, and form the family of 2 (the earlier), its own source
    links = [_copy(0, 1), _copy(1, 2, 0.5), _copy(2, 3, 0.9)]
    dates = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    calls = []

    def pairs_with_source(wanted):
        calls.append(list(wanted))
        return [None for _ in wanted]

    found = list(links)
    fam = assign_families(4, found, dates, LENGTHS, IDS, pairs_with_source)
    assert calls == [[(0, 2), (0, 3)]]  # the new family's members are all paired: no 2nd round
    assert fam.source == [0, 0, 2, 2]
    assert fam.relation == [SOURCE, EDITED, SOURCE, EDITED]
    assert assign_stories(4, found, fam.source, dates, IDS) == [0] * 4  # still one story
    # found with the source: they stay (a member related to the source by its own text)
    fam = assign_families(4, list(links), dates, LENGTHS, IDS,
                          lambda wanted: [_copy(0, 0, 0.3) for _ in wanted])
    assert fam.source == [0] * 4


def test_a_lone_unrelated_member_stays_and_a_new_family_is_checked_in_its_turn():
    # 0 -- 1 -- 2 -- 3 -- 4: nothing of 2, 3, 4 is found in 0, and 4 shares nothing with 2
    # either. 2, 3, 4 leave and form 2's family; 4, alone unrelated to 2, stays with it (a
    # write-through of a write-through is still the family's: webreuse_dev labels it so)
    links = [_copy(0, 1), _copy(1, 2, 0.5), _copy(2, 3, 0.9), _copy(3, 4, 0.6)]
    dates = [f"2024-01-0{k + 1}" for k in range(5)]
    calls = []

    def pairs_with_source(wanted):
        calls.append(list(wanted))
        return [None for _ in wanted]

    fam = assign_families(5, list(links), dates, LENGTHS, IDS, pairs_with_source)
    assert calls == [[(0, 2), (0, 3), (0, 4)], [(2, 4)]]
    assert fam.source == [0, 0, 2, 2, 2]
    # one unrelated member alone stays (1 draws more from the source than from it)
    assert detached_groups([0, 1, 2], 0, links[:2], {(0, 1), (1, 2)}) == []
    # only the links that formed the families join the leaving members to each other
    assert detached_groups([0, 1, 2, 3], 0, links[:3], {(0, 1), (1, 2)}) == []
    assert detached_groups([0, 1, 2, 3], 0, links[:3], {(0, 1), (1, 2), (2, 3)}) == [[2, 3]]


def test_a_member_drawing_more_from_the_leaving_group_than_from_the_source_goes_with_it():
    # 0, a text; 1, another text sharing a passage with 0 (0.3 of each: 0's strongest draw);
    # 2 and 3, copies of 1 that keep nothing of 0's; 4, a verbatim copy of 1, linked to 0 as 1
    # is. 2 and 3 leave; 1 and 4 draw more of themselves from them than from 0, and follow
    links = [_copy(0, 1, 0.3), _copy(0, 4, 0.3), _copy(1, 2, 0.9), _copy(1, 3, 0.95),
             _copy(1, 4, 1.0, VERBATIM), _copy(2, 3, 0.85), _copy(2, 4, 0.9),
             _copy(3, 4, 0.95)]
    edges = {(e.a, e.b) for e in family_links(links)}
    assert (0, 4) not in edges  # neither's strongest draw: it formed nothing
    assert detached_groups(list(range(5)), 0, links, edges) == [[1, 2, 3, 4]]
    # a single unrelated member leaves when another follows it ...
    links = [_copy(0, 1, 0.5), _copy(1, 2, 0.9)]
    assert detached_groups([0, 1, 2], 0, links, {(0, 1), (1, 2)}) == [[1, 2]]
    # ... and stays when none does (the source holds more of 1 than 2 does)
    links = [_copy(0, 1, 0.95), _copy(1, 2, 0.9)]
    assert detached_groups([0, 1, 2], 0, links, {(0, 1), (1, 2)}) == []


def test_nothing_leaves_without_alignment_or_when_the_original_is_absent():
    links = [_copy(0, 1), _copy(1, 2, 0.5), _copy(2, 3, 0.9)]
    dates = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    # no aligner (the index): the members joined through others stay
    assert assign_families(4, list(links), dates, LENGTHS, IDS).source == [0] * 4
    # spins of one absent text: siblings are related through it only
    spins = [_copy(k, k + 1, 0.6, SPUN, "neither") for k in range(4)]
    fam = assign_families(5, list(spins), [None] * 5, LENGTHS, IDS,
                          lambda wanted: [None for _ in wanted])
    assert len(set(fam.source)) == 1 and fam.relation == [SPUN] * 5


def test_member_relation_ties_prefer_text_evidence_then_the_first_link():
    links = [Link(1, 3, TRANSLATION, similarity=0.7), Link(2, 3, EDITED, similarity=0.7),
             Link(1, 2, REWRITE, similarity=0.9), Link(0, 1, VERBATIM, similarity=1.0)]
    rel = member_relations([0, 1, 2, 3], 0, links)
    assert rel == {0: SOURCE, 1: VERBATIM, 2: REWRITE, 3: EDITED}
    links = [Link(2, 3, EDITED, similarity=0.7), Link(1, 3, VERBATIM, similarity=0.7)]
    assert member_relations([0, 1, 2, 3], 0, links)[3] == VERBATIM  # (1, 3) comes first
    assert member_relations([5], 5, []) == {5: INDEPENDENT}


def test_a_family_never_spans_two_stories():
    links = [Link(0, 1, REWRITE, similarity=0.6, containment_ab=0.6, containment_ba=0.6),
             Link(1, 2, SAME_STORY, similarity=0.8), Link(3, 4, SAME_STORY, similarity=0.8)]
    fam = assign_families(5, links, [None] * 5, LENGTHS, IDS)
    story = assign_stories(5, links, fam.source, [None] * 5, IDS)
    assert story[0] == story[1] == story[2] and story[3] == story[4] != story[0]


def test_a_paraphrase_joins_the_family_it_draws_most_from_not_two_families():
    # Two rewrite families about one event (the shape of real pages: a CNBC text and its
    # back-translations; two paraphrases of an absent BBC-style piece). 1 and 2 are the close
    # pair of family A, 3 and 4 of family B; 2 and 3 are also alike (same facts, same order),
    # but each draws much more from its own family.
    links = [Link(1, 2, REWRITE, similarity=0.87, containment_ab=0.79, containment_ba=0.95),
             Link(2, 3, REWRITE, similarity=0.49, containment_ab=0.49, containment_ba=0.49),
             Link(3, 4, REWRITE, similarity=0.85, containment_ab=0.79, containment_ba=0.91)]
    assert [(e.a, e.b) for e in family_links(links)] == [(1, 2), (3, 4)]
    fam = assign_families(5, links, [None] * 5, LENGTHS, IDS)
    assert fam.source[1] == fam.source[2] != fam.source[3] == fam.source[4]
    # the weaker likeness still links the story: one event
    story = assign_stories(5, links, fam.source, [None] * 5, IDS)
    assert story[1] == story[2] == story[3] == story[4] != story[0]


def test_a_lone_paraphrase_joins_through_its_only_link_and_copies_always_join():
    # a rewrite link that is a document's strongest draw joins, weak as it is ...
    lone = [Link(0, 1, EDITED, similarity=0.9, containment_ab=0.9, containment_ba=0.9),
            Link(1, 2, REWRITE, similarity=0.34, containment_ab=0.21, containment_ba=0.46)]
    assert len(family_links(lone)) == 2
    # ... and a copy link holding 40% of a document joins even when neither document draws
    # most from it (a write-through and a sibling copy that each draw more from the wire text)
    copies = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
              Link(1, 2, EDITED, similarity=0.4, containment_ab=0.4, containment_ba=0.4),
              Link(2, 3, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0)]
    assert len(family_links(copies)) == 3
    assert len(set(assign_families(4, copies, [None] * 4, LENGTHS, IDS).source)) == 1


def test_a_page_sharing_a_paragraph_with_two_families_joins_the_one_it_draws_most_from():
    # 0 and 1: a text and its copy; 3 and 4: another text and its copy. Page 2 holds a
    # paragraph of 1 (35% of page 2) and a shorter one of 3 (28% of it); neither 1 nor 3 draws
    # much from page 2. Page 2 joins 0-1's family; its paragraph of 3 stays a pair, and does not
    # chain the two families into one.
    links = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(1, 2, EDITED, similarity=0.2, containment_ab=0.12, containment_ba=0.35),
             Link(2, 3, EDITED, similarity=0.18, containment_ab=0.28, containment_ba=0.1),
             Link(3, 4, EDITED, similarity=0.9, containment_ab=0.9, containment_ba=0.9)]
    assert [(e.a, e.b) for e in family_links(links)] == [(0, 1), (1, 2), (3, 4)]
    fam = assign_families(5, links, [None] * 5, LENGTHS, IDS)
    assert fam.source[0] == fam.source[1] == fam.source[2] != fam.source[3] == fam.source[4]
    # passages that are 40% of page 2 or more are copies on their own, whatever page 2 draws
    # most from: all five are one family
    links[1] = Link(1, 2, EDITED, similarity=0.25, containment_ab=0.12, containment_ba=0.42)
    links[2] = Link(2, 3, EDITED, similarity=0.25, containment_ab=0.45, containment_ba=0.1)
    assert len(family_links(links)) == 4
    assert len(set(assign_families(5, links, [None] * 5, LENGTHS, IDS).source)) == 1


def test_a_member_and_its_source_linked_as_one_story_are_still_aligned():
    # 2 is an edited copy of 1, itself a copy of the source 0; 0 and 2 are also each other's
    # nearest topic vectors (same-story). Two members of one family are no independent
    # coverage: the pair is aligned like any unpaired member's, and what it finds is reported
    links = [Link(0, 1, VERBATIM, similarity=1.0, containment_ab=1.0, containment_ba=1.0),
             Link(1, 2, EDITED, similarity=0.7, containment_ab=0.8, containment_ba=0.8),
             Link(0, 2, SAME_STORY, similarity=0.8)]
    assert unpaired_members([0, 1, 2], 0, links) == [(0, 2)]
    partial = Link(0, 2, "partial", similarity=0.3, containment_ab=0.2, containment_ba=0.2)
    assert unpaired_members([0, 1, 2], 0, links[:2] + [partial]) == [(0, 2)]
    joined = Link(0, 2, EDITED, similarity=0.6, containment_ab=0.7, containment_ba=0.7)
    assert unpaired_members([0, 1, 2], 0, links[:2] + [joined]) == []
