"""The data core: contacts, companies, timeline and the SurrealDB connection."""
