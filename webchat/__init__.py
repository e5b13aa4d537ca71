"""The embeddable web chat: a page at `/`, a one-tag embed script, all files served by the project."""
