"""Outputs: the jsonl contract files, the HTML report and the shared highlighting helper."""
