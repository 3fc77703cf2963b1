"""The system database: one per deployment namespace, beside the workspaces' databases."""

from __future__ import annotations

from accounts.apikeys.service import adopt_keys_from_before_workspaces
from accounts.workspaces import service as workspaces
from crm.db import Database
from crm.schema import migrate, migrations_in
from kernel.settings import Settings

SYSTEM_DATABASE = "crm_accounts"


async def open_system(db: Database, settings: Settings) -> Database:
    """The system database on `db`'s connection, migrated, with the default workspace."""
    system = db.using(SYSTEM_DATABASE)
    applied = await migrate(system, migrations=migrations_in("accounts.schema"))
    await workspaces.ensure_default(system, settings)
    if any(m.version == 1 for m in applied):
        await adopt_keys_from_before_workspaces(system, db.using(settings.db_database))
    return system
