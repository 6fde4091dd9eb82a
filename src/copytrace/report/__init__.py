"""The HTML report (`html.py`), its story pictures (`story_svg.py`) and the word-level highlighting of aligned passages (`highlight.py`). The jsonl and parquet files are `copytrace.outputs`."""
