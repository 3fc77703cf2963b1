"""Workspaces: a name and the database that holds its data."""
