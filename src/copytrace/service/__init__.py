"""The HTTP service over an index (FastAPI) and its web page."""
