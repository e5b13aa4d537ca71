"""Dialogue policies: which reply follows which message."""
