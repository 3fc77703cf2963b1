"""What the AI did: the LLM gateway's call records and answer cache, stored in SurrealDB."""
