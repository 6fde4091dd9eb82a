"""The README's generated blocks (input formats, relations) match the code they come from."""

from __future__ import annotations

import sys

from conftest import ROOT


def test_readme_generated_blocks_are_current():
    sys.path.insert(0, str(ROOT / "tools"))
    import gen_docs

    text = gen_docs.README.read_text(encoding="utf-8")
    assert "<!-- generated: readers" in text and "<!-- generated: pair-relations" in text
    assert gen_docs.render(text) == text, "run python tools/gen_docs.py"


def test_every_reader_is_in_the_command_line_help():
    from typer.testing import CliRunner

    from copytrace.cli import app
    from copytrace.ingest.registry import READERS

    out = CliRunner().invoke(app, ["scan", "--help"], terminal_width=200).output
    for reader in READERS:
        assert reader.suffixes[0] in out, reader.name
