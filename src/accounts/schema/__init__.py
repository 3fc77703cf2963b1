"""Migrations of the system database (workspaces, users, keys, sessions, audit)."""
