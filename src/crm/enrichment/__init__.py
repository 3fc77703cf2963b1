"""Enrichment: fill in what a contact record is missing, recording where each value came from."""
