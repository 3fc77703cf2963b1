"""Hosted landing pages: a page spec rendered to sanitized HTML, published under a slug, and
its form turned into a contact, consent and a timeline event."""
