"""The relations table is the one place a relation is spelled and defined."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from copytrace import relations
from copytrace.relations import BY_NAME, TABLE

SRC = Path(relations.__file__).resolve().parent
#: String constants that equal a relation name but are not one: the documented input record
#: field ``source`` (`ingest.FieldMap`).
NOT_RELATIONS = {("ingest/__init__.py", "source")}


def _relation_literals(path: Path) -> list[tuple[int, str]]:
    """String literals in a Python file whose value is a relation name, except dict keys
    (record field names such as documents.jsonl's ``source``)."""
    toks = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
            if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT,
                              tokenize.INDENT, tokenize.DEDENT)]
    found = []
    for k, t in enumerate(toks):
        if t.type != tokenize.STRING or t.string[:1] in "fFbB":
            continue
        try:
            value = ast.literal_eval(t.string)
        except (ValueError, SyntaxError):
            continue
        is_key = k + 1 < len(toks) and toks[k + 1].string == ":" and \
            k > 0 and toks[k - 1].string in ("{", ",")
        if value in BY_NAME and not is_key:
            found.append((t.start[0], value))
    return found


def test_no_relation_is_spelled_outside_the_relations_module():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "relations.py":
            continue
        offenders += [f"{rel}:{line}: {value!r}" for line, value in _relation_literals(path)
                      if (rel, value) not in NOT_RELATIONS]
    for path in sorted((SRC / "service" / "static").iterdir()):  # the web page
        text = path.read_text()
        offenders += [f"{path.name}: {name!r}" for name in BY_NAME
                      if f'"{name}"' in text or f"'{name}'" in text]
    assert offenders == []


def test_the_table_is_consistent():
    names = [r.name for r in TABLE]
    assert len(names) == len(set(names))
    for r in TABLE:
        assert r.used_in, r.name
        if r.joins_family:
            assert r.links_story, f"{r.name}: a family lies inside one story"
        if relations.IN_PAIRS in r.used_in:
            assert r.evidence in ("words", "skeletons", "sentences"), r.name
            # a related pair links a story, unless it is one the sentence stage judges again
            assert r.links_story or not r.settles, r.name
            assert r.settles or not (r.joins_family or r.links_story), r.name
        assert r.marks_copy <= r.joins_family
    assert set(relations.FAMILY_RELATIONS) < set(relations.PAIR_RELATIONS)
    assert relations.SAME_STORY in relations.PAIR_RELATIONS
    assert relations.SAME_STORY not in relations.FAMILY_RELATIONS
    assert relations.SOURCE in relations.DOCUMENT_RELATIONS
    assert relations.SOURCE not in relations.PAIR_RELATIONS
    assert relations.PARTIAL in relations.PAIR_RELATIONS
    assert relations.PARTIAL not in relations.SETTLING_RELATIONS + relations.STORY_RELATIONS


def test_badge_css_and_markdown_cover_every_relation():
    css = relations.badge_css()
    assert all(f".rel-{r.name}{{" in css for r in TABLE)
    md = relations.markdown_list(relations.IN_PAIRS)
    assert [line.split("`")[1] for line in md.splitlines()] == list(relations.PAIR_RELATIONS)
