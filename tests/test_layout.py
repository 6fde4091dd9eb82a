"""The house: data flows one way, engines only orchestrate, the store stands on the stage
library (not on an engine)."""

from __future__ import annotations

import ast
from pathlib import Path

import copytrace

SRC = Path(copytrace.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), _imports(path)


def test_only_the_public_api_imports_an_engine():
    """The Python API (api.py) chooses and runs the engines; the command line is a layer over
    the API and reaches no engine itself."""
    offenders = [rel for rel, imports in _modules()
                 if not rel.startswith("engines/") and rel != "api.py"
                 and any(i == "copytrace.engines" or i.startswith("copytrace.engines.")
                         for i in imports)]
    assert offenders == []


def test_stages_never_import_what_comes_after_them():
    """A stage module does not reach into the engines, the store, the service, the report, the
    command line or the stage library that joins the stages."""
    later = ("copytrace.engines", "copytrace.store", "copytrace.service", "copytrace.report",
             "copytrace.cli", "copytrace.pipeline", "copytrace.outputs")
    stages = ("normalize.py", "boilerplate.py", "candidates.py", "align.py", "verify.py",
              "relate.py", "semantic.py", "cluster.py", "relations.py", "document.py",
              "config.py", "fingerprint/")
    offenders = [f"{rel}: {i}" for rel, imports in _modules() if rel.startswith(stages)
                 for i in imports if i.startswith(later)]
    assert offenders == []


def test_engines_do_not_import_each_other():
    offenders = []
    for rel, imports in _modules():
        if rel.startswith("engines/"):
            own = rel.split("/")[1].removesuffix(".py")
            offenders += [f"{rel}: {i}" for i in imports if i.startswith("copytrace.engines.")
                          and i.split(".")[2] != own]
    assert offenders == []
