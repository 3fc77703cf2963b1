"""Scheduled executions: once or recurring, claimed with database leases by any number of workers.

`models` (data), `recurrence` (time zones and cron), `repository` (all SurrealQL), `service`
(use cases and claims), `worker` (the loop), `jobs` (what an occurrence runs), `kinds` (the
registry of job kinds, which the packages owning them fill), `enrichment` (the built-in
enrichment kind), `clock`.
"""
