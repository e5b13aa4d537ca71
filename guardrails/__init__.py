"""Guardrails: pure-Python detectors (no Rasa imports) and their lexicons.

Deterministic first: each detector reads a lexicon YAML in guardrails/lexicons/ and returns a
Verdict naming the intent to route to and the lexicon entry that decided, so staff tools can
show why. The Rasa component in guardrails/rasa_component.py is a thin wrapper around them.
"""
