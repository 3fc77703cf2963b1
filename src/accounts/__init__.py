"""Who may do what, where: workspaces, users, roles, API keys, sessions and the audit log.

Kept in the system database of the deployment's namespace; each workspace's data lives in a
database of its own (see `system.py`)."""
