"""Identifiers in Glue's formats: ``wr_``, ``jr_`` and ``wnode_`` followed by 64 hex digits."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_crawl_id", "new_job_run_id", "new_run_id", "node_id", "safe_name"]


def new_run_id() -> str:
    """A new workflow run id (``wr_<64 hex>``)."""
    return "wr_" + secrets.token_hex(32)


def new_job_run_id() -> str:
    """A new job run id (``jr_<64 hex>``)."""
    return "jr_" + secrets.token_hex(32)


def new_crawl_id() -> str:
    """A new crawl id (``cr_<64 hex>``; Glue's CrawlId is a UUID, we keep the family style)."""
    return "cr_" + secrets.token_hex(32)


def node_id(workflow: str, node_type: str, name: str) -> str:
    """The stable UniqueId of a node of a workflow's graph (``wnode_<64 hex>``)."""
    digest = hashlib.sha256(f"{workflow}\x00{node_type}\x00{name}".encode()).hexdigest()
    return "wnode_" + digest


def safe_name(name: str, limit: int = 80) -> str:
    """A file-system-safe rendering of an entity name: no separators, no leading dots."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    cleaned = cleaned.lstrip(".") or "_"
    if len(cleaned) > limit:
        cleaned = cleaned[:limit]
    return cleaned
