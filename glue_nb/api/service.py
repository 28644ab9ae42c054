"""The local service: one glue-nb home and the parts that answer Glue's operations over it.

A :class:`Service` is what the operation handlers (:mod:`glue_nb.api.operations`) work on: the
store, the definitions, the engine that drives runs, the run reader, the crawlers, the catalog,
the blueprints and the tags of one home, each made on first use. The in-process client and the
server both hold one; code inside glue-nb reaches it as ``glue_nb.client().service`` (and
through the shortcuts ``client.store``, ``client.engine``, ...).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glue_nb.catalog import Catalog
    from glue_nb.crawlers import CrawlerService
    from glue_nb.definitions import Definitions
    from glue_nb.engine import Engine
    from glue_nb.runs import RunReader
    from glue_nb.store import Store
    from glue_nb.store.tags import Tags
    from glue_nb.store.watch import StoreWatch

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_REGION", "Service", "Settings"]

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Settings:
    """What a service answers with, and what it allows.

    ``account_id`` and ``region`` go into ARNs and ``CatalogId``. ``roots``: when set (a
    server), local paths in requests (a job's ScriptLocation, crawler S3Targets, a blueprint's
    location, a table's Location) must lie under one of them, and relative ones are resolved
    against the first; ``remote_urls``: whether URLs other than local paths (``s3://...``) are
    accepted there.
    """

    account_id: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    roots: Sequence[str] | None = None
    remote_urls: bool = True


class Service:
    """Glue's operations over one glue-nb home (the store, its runs and its catalog)."""

    def __init__(
        self,
        home: str | os.PathLike[str] | Store | None = None,
        settings: Settings | None = None,
        *,
        client: Callable[[], Any] | None = None,
    ) -> None:
        from glue_nb.store import Store, default_home

        # The store opens on first use: a job reading its own run properties needs none.
        if isinstance(home, Store):
            self.__dict__["store"] = home
            self.home = home.home
        else:
            self.home = Path(home).absolute() if home is not None else default_home()
        self.settings = settings or Settings()
        #: the Glue client of this home (what blueprint layouts are handed), made on demand
        self.client = client

    def __repr__(self) -> str:
        return f"<glue_nb Service {str(self.home)!r}>"

    @functools.cached_property
    def store(self) -> Store:
        from glue_nb.store import Store

        return Store(self.home)

    @functools.cached_property
    def watch(self) -> StoreWatch:
        """The store's change tokens (WaitForChange)."""
        from glue_nb.store.watch import StoreWatch

        self.store  # noqa: B018 - opened (and created) first: a watch never creates one
        return StoreWatch(self.home)

    @functools.cached_property
    def definitions(self) -> Definitions:
        from glue_nb.definitions import Definitions

        return Definitions(self.store)

    @functools.cached_property
    def engine(self) -> Engine:
        from glue_nb.engine import Engine

        return Engine.for_store(self.store)

    @functools.cached_property
    def runs(self) -> RunReader:
        from glue_nb.runs import RunReader

        return RunReader(self.store)

    @functools.cached_property
    def catalog(self) -> Catalog:
        from glue_nb.catalog import Catalog

        return Catalog(self.store)

    @functools.cached_property
    def crawlers(self) -> CrawlerService:
        from glue_nb.crawlers import CrawlerService

        return CrawlerService(self.store, self.catalog)

    @functools.cached_property
    def blueprints(self) -> Any:
        from glue_nb.blueprint.service import BlueprintService

        if self.client is None:
            raise RuntimeError("this service has no client to hand to blueprint layouts")
        return BlueprintService(self.client())

    @functools.cached_property
    def tags(self) -> Tags:
        from glue_nb.store.tags import Tags

        return Tags(self.store)
