"""copytrace: find which documents copy which, how, where and who was first.

From Python (`copytrace.api`)::

    import copytrace

    result = copytrace.scan("articles/")          # or a DataFrame, records, a pyarrow Table
    result.documents.to_pandas()                  # families, sources, relations, stories
    copytrace.compare("text one", "text two").pair.relation
"""

__version__ = "0.1.0"

#: the public names, imported from `copytrace.api` on first use (``import copytrace`` stays
#: light for the command line)
__all__ = ["scan", "scan_spark", "compare", "dedup", "suspicious_phrases", "Index", "Result",
           "Comparison", "Deduplication", "ScanOptions", "OptionError", "StrictStop",
           "NoDocuments", "Document", "Pair", "Problem", "__version__"]


def __getattr__(name: str):
    if name in ("Document", "Pair", "Problem"):
        from copytrace import document

        return getattr(document, name)
    if name in __all__:
        from copytrace import api

        return getattr(api, name)
    raise AttributeError(f"module 'copytrace' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
