"""The REST API, hosted landing pages and tracking: one FastAPI app (`api.app:create_app`)."""
