"""Benchmarks and corpus generators (not tests; see BENCHMARKS.md).

Every benchmark times cold runs: copytrace's piece vectors kept between runs
(`copytrace.fingerprint.topics.PieceStore`) are not used, in this process or the copytrace
processes it starts, unless ``COPYTRACE_CACHE_DIR`` is set -- so a figure does not depend on
what ran before it on the machine."""

import os

os.environ.setdefault("COPYTRACE_CACHE_DIR", "off")
