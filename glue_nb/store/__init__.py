"""The embedded store: one SQLite file that is the single source of truth.

:mod:`~glue_nb.store.db` opens the file (connections, transactions, migrations, damage
reports); every SQL statement of glue-nb lives in this package, one repository per concept:
the ledger of run state (:mod:`~glue_nb.store.ledger` over runs, job runs, crawls and owners),
definitions, the catalog, schedules, events, blueprints and history.
"""

from glue_nb.store.db import (
    DB_FILE,
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    StoreDamagedError,
    default_home,
    dumps,
    loads,
)

__all__ = [
    "DB_FILE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Store",
    "StoreDamagedError",
    "default_home",
    "dumps",
    "loads",
]
