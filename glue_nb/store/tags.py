"""Tags per resource, as Glue keeps them: ``TagResource``/``UntagResource``/``GetTags`` by ARN,
``CreateX(Tags=)``, and the ``Tags`` filter of ``ListJobs``/``ListTriggers``/``ListCrawlers``.

ARNs have Glue's format, ``arn:aws:glue:<region>:<account>:<kind>/<name>`` (a table:
``table/<database>/<table>``). A resource's tags live in ``resource_tags``; definitions written
by other paths (the fluent API, blueprints) may carry their own ``Tags``, which count until the
resource is first tagged or untagged here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.model import check_string
from glue_nb.store import Store, loads

__all__ = ["KINDS", "MAX_TAGS", "Tags", "arn", "parse_arn"]

MAX_TAGS = 50
#: ARN resource type → (table holding it, its name column(s)).
KINDS = {
    "workflow": "workflows",
    "job": "jobs",
    "trigger": "triggers",
    "crawler": "crawlers",
    "blueprint": "blueprints",
    "database": "databases",
    "table": "tables",
}
_MARK = ""


def arn(region: str, account: str, kind: str, name: str) -> str:
    """A Glue ARN, e.g. ``arn:aws:glue:us-east-1:123456789012:workflow/month-close``."""
    return f"arn:aws:glue:{region}:{account}:{kind}/{name}"


def parse_arn(value: str) -> tuple[str, str]:
    """``(kind, name)`` of a Glue resource ARN (InvalidInputException naming what is wrong)."""
    parts = value.split(":", 5) if isinstance(value, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "glue" or "/" not in parts[5]:
        raise InvalidInputException(
            f"ResourceArn {value!r} is not a Glue ARN; expected "
            "arn:aws:glue:<region>:<account>:<workflow|job|trigger|crawler|blueprint|database|"
            "table>/<name>"
        )
    kind, name = parts[5].split("/", 1)
    if kind not in KINDS or not name:
        raise InvalidInputException(
            f"ResourceArn {value!r}: resource type {kind!r} cannot be tagged here; valid: "
            f"{', '.join(KINDS)}"
        )
    return kind, name


def _check(tags: Any, what: str) -> dict[str, str]:
    if not isinstance(tags, Mapping):
        raise InvalidInputException(f"{what} must be a map of tag keys to values")
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise InvalidInputException(f"{what}: tag key {key!r} must be 1-128 characters")
        check_string(f"{what}: tag key", key)
        if not isinstance(value, str) or len(value) > 256:
            raise InvalidInputException(f"{what}: tag {key!r} value must be 0-256 characters")
        check_string(f"{what}: tag {key!r} value", value)
    return dict(tags)


class Tags:
    """The tags of a store's resources."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- resources --------------------------------------------------------------------------
    @staticmethod
    def _body(conn: sqlite3.Connection, kind: str, name: str) -> dict[str, Any] | None:
        """The resource's definition (None: it does not exist)."""
        if kind == "table":
            db, _, table = name.partition("/")
            row = conn.execute(
                "SELECT body FROM tables WHERE database_name=? AND name=?",
                (db.lower(), table.lower()),
            ).fetchone()
        elif kind == "database":
            row = conn.execute(
                "SELECT body FROM databases WHERE name=?", (name.lower(),)
            ).fetchone()
        else:
            row = conn.execute(f"SELECT body FROM {KINDS[kind]} WHERE name=?", (name,)).fetchone()
        return None if row is None else (loads(row["body"], {}) or {})

    def _resource(self, conn: sqlite3.Connection, value: str) -> tuple[str, str, dict[str, Any]]:
        kind, name = parse_arn(value)
        if kind in ("table", "database"):
            name = name.lower()
        body = self._body(conn, kind, name)
        if body is None:
            raise EntityNotFoundException(f"Resource {value} does not exist ({kind} {name!r})")
        return kind, name, body

    def _current(
        self, conn: sqlite3.Connection, kind: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, str]:
        rows = conn.execute(
            "SELECT key, value FROM resource_tags WHERE kind=? AND name=?", (kind, name)
        ).fetchall()
        if not rows:
            return dict(body.get("Tags") or {})
        return {r["key"]: r["value"] for r in rows if r["key"] != _MARK}

    def _write(
        self, conn: sqlite3.Connection, kind: str, name: str, tags: Mapping[str, str]
    ) -> None:
        if len(tags) > MAX_TAGS:
            raise InvalidInputException(
                f"{kind} {name!r} would have {len(tags)} tags; at most {MAX_TAGS} are allowed"
            )
        conn.execute("DELETE FROM resource_tags WHERE kind=? AND name=?", (kind, name))
        conn.executemany(
            "INSERT INTO resource_tags(kind, name, key, value) VALUES (?,?,?,?)",
            [(kind, name, _MARK, ""), *((kind, name, k, v) for k, v in tags.items())],
        )

    # -- operations -------------------------------------------------------------------------
    def get(self, service: Any, value: str) -> dict[str, str]:
        """GetTags."""
        with self.store.read() as conn:
            kind, name, body = self._resource(conn, value)
            return self._current(conn, kind, name, body)

    def tag(self, service: Any, value: str, tags: Any) -> None:
        """TagResource: add or overwrite tags."""
        add = _check(tags, "TagsToAdd")
        with self.store.transaction() as conn:
            kind, name, body = self._resource(conn, value)
            self._write(conn, kind, name, {**self._current(conn, kind, name, body), **add})

    def untag(self, service: Any, value: str, keys: Iterable[str]) -> None:
        """UntagResource: remove tags by key (absent keys are ignored)."""
        with self.store.transaction() as conn:
            kind, name, body = self._resource(conn, value)
            current = self._current(conn, kind, name, body)
            for key in keys:
                current.pop(key, None)
            self._write(conn, kind, name, current)

    def create(self, service: Any, kind: str, name: str, tags: Any) -> None:
        """Tags given when a resource is created (inside the creating transaction)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM resource_tags WHERE kind=? AND name=?", (kind, name))
            if tags is not None:
                self._write(conn, kind, name, _check(tags, "Tags"))

    def forget(self, kind: str, name: str) -> None:
        """A deleted resource's tags go with it."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM resource_tags WHERE kind=? AND name=?", (kind, name))

    def having(
        self, service: Any, kind: str, names: list[str], wanted: Mapping[str, str] | None
    ) -> list[str]:
        """The names (in order) whose resource has every tag of ``wanted``."""
        if not wanted:
            return names
        table = KINDS[kind]
        with self.store.read() as conn:
            bodies = {r["name"]: r["body"] for r in conn.execute(f"SELECT name, body FROM {table}")}
            rows = conn.execute(
                "SELECT name, key, value FROM resource_tags WHERE kind=?", (kind,)
            ).fetchall()
        kept: dict[str, dict[str, str]] = {}
        for r in rows:
            kept.setdefault(r["name"], {})[r["key"]] = r["value"]
        out = []
        for name in names:
            tags = kept.get(name)
            if tags is None:
                tags = (loads(bodies.get(name), {}) or {}).get("Tags") or {}
            if all(tags.get(k) == v for k, v in wanted.items()):
                out.append(name)
        return out
