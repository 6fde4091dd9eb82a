"""Package data: the synonym lexicon built from WordNet 3.0 (see WORDNET_LICENSE)."""
