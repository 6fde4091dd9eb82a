"""Fingerprints: compact summaries of documents used to find candidate pairs."""

from copytrace.fingerprint.minhash import MinHasher, shingle_hashes

__all__ = ["MinHasher", "shingle_hashes"]
