"""The `crm` command line: thin adapters over the services."""
