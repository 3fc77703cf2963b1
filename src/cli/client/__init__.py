"""What commands call: one interface per resource, each with a local implementation (services
on a database session) and a remote one (the REST API), so a command is written once."""
