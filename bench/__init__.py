"""Benchmarks and corpus generators (not tests; see BENCHMARKS.md)."""
