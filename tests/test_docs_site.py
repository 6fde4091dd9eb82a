"""The documentation site (mkdocs.yml, docs/): it builds with ``--strict`` (every link and
cross-reference resolves, every included README section is marked), and its API reference
holds the public functions' docstrings."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_the_site_builds_strict_with_the_api_reference(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ref = (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8")
    for name in ("scan", "compare", "dedup", "suspicious_phrases", "ScanOptions", "Result",
                 "Index"):
        assert f'id="copytrace.api.{name}"' in ref or f'id="copytrace.store.index.{name}"' in ref
    python = (tmp_path / "site" / "python" / "index.html").read_text(encoding="utf-8")
    assert "suspects" in python  # the worked example is included whole
    assert (tmp_path / "site" / "plots" / "scaling.png").exists()
