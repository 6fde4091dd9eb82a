"""The persistent index: the algorithm (`store.index.Index`) over its storage
(`store.sqlite.SQLiteStore`)."""

from copytrace.store.index import AddResult, Index, Match
from copytrace.store.sqlite import StoreError

__all__ = ["AddResult", "Index", "Match", "StoreError"]
