"""Tools for the answer bank: load every response under data/, fingerprint and review it, check it.

The bank itself is data: data/answer_bank/*.yml (answers) and data/guardrails/*.yml (guard replies).
"""
