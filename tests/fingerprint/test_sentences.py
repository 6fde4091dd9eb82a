"""Sentence splitting for the sentence stage: where a sentence ends decides what can align."""

from copytrace.fingerprint.embed import embed_documents, split_sentences
from copytrace.semantic import SemanticParams, align_sentences

# written for these tests: four English sentences and their Chinese translation, which (as
# Chinese is written) puts no space after its full stops
EN = ("The city council approved the new bridge on Tuesday. Construction will begin next spring "
      "and last about three years. The mayor said the bridge would cut travel times in half. "
      "Opponents argued that the money should have gone to public schools instead.")
ZH = ("市议会周二批准了新桥的建设。工程将于明年春天开工，持续大约三年。"
      "市长表示，这座桥将使出行时间缩短一半。反对者认为，这笔钱本应用于公立学校。")


def _texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_chinese_full_stops_end_sentences_without_a_space():
    assert _texts(ZH) == ["市议会周二批准了新桥的建设。", "工程将于明年春天开工，持续大约三年。",
                          "市长表示，这座桥将使出行时间缩短一半。", "反对者认为，这笔钱本应用于公立学校。"]


def test_short_chinese_sentence_is_kept_but_short_latin_fragment_is_not():
    # 11 Han characters say as much as a short English sentence; "By Anna Lee." is a byline
    assert _texts("他说这座桥很重要。\nBy Anna Lee.\n") == ["他说这座桥很重要。"]


def test_an_ordinal_or_an_abbreviation_does_not_end_a_sentence():
    text = ("Sadzba sa s účinnosťou od 13. novembra 2013 zníži na 0,25 %. "
            "Prezident ECB tieto rozhodnutia zdôvodní na tlačovej konferencii.")
    assert _texts(text) == ["Sadzba sa s účinnosťou od 13. novembra 2013 zníži na 0,25 %.",
                            "Prezident ECB tieto rozhodnutia zdôvodní na tlačovej konferencii."]
    text = "Пресконференция днес от 14:30 ч. централноевропейско време. Решенията са окончателни."
    assert _texts(text) == ["Пресконференция днес от 14:30 ч. централноевропейско време.",
                            "Решенията са окончателни."]
    assert len(_texts("Costs rose, e.g. the price of fuel went up. Wages did not follow.")) == 2


def test_other_full_stops_before_lower_case_still_end_sentences():
    # scrambled or careless text: a year or a longer word before the full stop
    text = ("the bank cut its rate in 2013. the decision surprised many people. "
            "Prices rose sharply. then they fell again for a while.")
    assert _texts(text) == ["the bank cut its rate in 2013.", "the decision surprised many people.",
                            "Prices rose sharply.", "then they fell again for a while."]


def test_a_chinese_translation_aligns_sentence_by_sentence():
    en, zh = embed_documents([EN, ZH])
    assert len(en) == len(zh) == 4
    al = align_sentences(en, zh, SemanticParams(sentence_threshold=0.6))
    assert len(al.pairs) >= 3
    assert all(i == j for i, j, _ in al.pairs.tolist())
