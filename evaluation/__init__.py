"""Evaluation sets and the scripts that score the assistant on them (README.md in this folder)."""
