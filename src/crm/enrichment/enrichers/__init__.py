"""Deterministic enrichers: one small pure module each."""
