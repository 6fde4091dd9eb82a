import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.corpus (the generators)

SEEDS = ROOT / "examples" / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


def seed_path(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="session")
def seed_docs():
    from copytrace.ingest import read_inputs

    return [d for d in read_inputs([SEEDS]) if hasattr(d, "text")]


def needs_shared(sub: str) -> Path:
    path = SHARED_DATA / sub
    if not path.exists():
        pytest.skip(f"../shared/data/{sub} is not present on this machine")
    return path
