"""Read-side use cases across packages: engagement summaries and analytics."""
