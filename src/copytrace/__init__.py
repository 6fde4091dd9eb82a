"""copytrace: find which documents copy which, how, where and who was first."""

__version__ = "0.1.0"
