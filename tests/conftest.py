import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# piece vectors kept between runs (`copytrace.fingerprint.topics.PieceStore`) go to a folder of
# this session's own: the tests start cold and never write into the user's cache
if "COPYTRACE_CACHE_DIR" not in os.environ:
    os.environ["COPYTRACE_CACHE_DIR"] = tempfile.mkdtemp(prefix="copytrace-test-cache-")
    atexit.register(shutil.rmtree, os.environ["COPYTRACE_CACHE_DIR"], True)

# a first run of the command line on a cold numba cache runs a small job's kernels as Python
# (`copytrace.coldstart`): the suite's runs compile them, tests/test_coldstart.py takes the
# other path on purpose
os.environ.setdefault("COPYTRACE_COLD_START", "compile")

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


# Two spins of one news paragraph (written for the tests), each with its own improbable swaps
# where the other keeps the original's words: "White Home", "trade arrangement", "thousands of
# employment", "little businesses" on one side; "key minister", "talks in the funds",
# "resistance leaders", "narrow bulk" on the other.
_ORIGINAL = ("The prime minister told reporters at the White House on Monday that the new trade "
             "agreement would create thousands of jobs across the country. Officials said the "
             "deal could be signed within weeks after final talks in the capital, although "
             "opposition leaders warned that farmers and small businesses would pay the cost. "
             "The agreement still needs the approval of parliament, where the government holds a "
             "narrow majority, and a vote is expected before the summer recess.")
_SWAPS_ONE = {"White House": "White Home", "trade agreement": "trade arrangement",
              "thousands of jobs": "thousands of employment", "final talks": "last talks",
              "small businesses": "little businesses"}
_SWAPS_TWO = {"prime minister": "key minister", "in the capital": "in the funds",
              "opposition leaders": "resistance leaders", "the approval": "the acceptance",
              "narrow majority": "narrow bulk"}


def _swapped(text: str, swaps: dict) -> str:
    for old, new in swaps.items():
        assert old in text
        text = text.replace(old, new)
    return text


def sibling_spins() -> tuple[str, str, str]:
    """A news paragraph and two spins of it, each with improbable swaps of its own."""
    return _ORIGINAL, _swapped(_ORIGINAL, _SWAPS_ONE), _swapped(_ORIGINAL, _SWAPS_TWO)
