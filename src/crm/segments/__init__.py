"""Segments: saved rules that select the contacts a campaign targets."""
