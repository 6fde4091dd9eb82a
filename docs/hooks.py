"""mkdocs hooks: the pages include parts of README.md and BENCHMARKS.md as they are (one source
for the repository and the site): a line ``--8<-- "FILE"`` or ``--8<-- "FILE:name"`` is replaced
by that file, or by the lines between its ``--8<-- [start:name]`` and ``--8<-- [end:name]``
markers. The included text links into the repository (``docs/images/...``,
``bench/results/plots/...``, ``BENCHMARKS.md``); those links are rewritten to where the site has
the same files."""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LINKS = {"](docs/images/": "](images/", "](bench/results/plots/": "](plots/",
         "](BENCHMARKS.md)": "](benchmarks.md)"}
INCLUDE = re.compile(r'^--8<-- "([^":]+)(?::([\w-]+))?"$', re.MULTILINE)


def _section(path: Path, name: str | None) -> str:
    text = path.read_text(encoding="utf-8")
    if name is None:
        return text.rstrip("\n")
    lines = text.splitlines()
    starts = [k for k, line in enumerate(lines) if f"--8<-- [start:{name}]" in line]
    ends = [k for k, line in enumerate(lines) if f"--8<-- [end:{name}]" in line]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"{path.name}: section {name!r} is not marked once")
    return "\n".join(lines[starts[0] + 1:ends[0]]).strip("\n")


def on_files(files, config):
    for png in sorted((RESULTS / "plots").glob("*.png")):  # the benchmark plots
        files.append(File(f"plots/{png.name}", str(RESULTS), config["site_dir"],
                          config["use_directory_urls"]))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = INCLUDE.sub(lambda m: _section(ROOT / m.group(1), m.group(2)), markdown)
    for old, new in LINKS.items():
        markdown = markdown.replace(old, new)
    return markdown
