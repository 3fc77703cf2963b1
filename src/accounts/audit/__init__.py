"""The audit log: append-only records of who did what, where and when."""
