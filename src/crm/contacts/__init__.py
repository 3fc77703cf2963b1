"""Contacts: the people campaigns are sent to."""
