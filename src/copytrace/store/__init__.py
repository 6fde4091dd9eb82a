"""Persistent storage behind the candidates stage: the SQLite index (`store.sqlite.Index`)."""

from copytrace.store.sqlite import AddResult, Index, StoreError

__all__ = ["AddResult", "Index", "StoreError"]
