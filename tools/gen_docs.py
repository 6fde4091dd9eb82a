"""Regenerate the README's generated blocks from the code they describe:
``python tools/gen_docs.py`` (``--check``: exit 1 when the README is out of date).

Blocks sit between ``<!-- generated: NAME ... -->`` and ``<!-- /generated -->``:
- ``readers``: the table of input formats (`copytrace.ingest.registry.READERS`);
- ``document-relations`` and ``pair-relations``: the relations of documents.jsonl and
  pairs.jsonl (`copytrace.relations.TABLE`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w-]+)[^>]*-->\n)(?P<body>.*?)(<!-- /generated -->)",
                    re.S)


def blocks() -> dict[str, str]:
    from copytrace import relations
    from copytrace.ingest.registry import markdown_table

    return {
        "readers": markdown_table(),
        "document-relations": relations.markdown_list(relations.IN_DOCUMENTS, "  "),
        "pair-relations": relations.markdown_list(relations.IN_PAIRS, "  "),
    }


def render(text: str) -> str:
    made = blocks()

    def fill(m: re.Match) -> str:
        if m["name"] not in made:
            raise SystemExit(f"README names an unknown generated block {m['name']!r}")
        return m.group(1) + made[m["name"]] + "\n" + m.group(4)

    return _BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("README.md is out of date: run python tools/gen_docs.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
