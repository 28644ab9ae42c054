"""What a crawl reports besides its tables: counts, skipped files and folders, type notes.

Every stage of a crawl (listing, classifying, grouping, output) writes to one :class:`Journal`;
:func:`glue_nb.crawl.execute.execute_crawl` copies it into the result. The two exceptions end a
crawl early: :class:`CrawlFailed` (the result is FAILED with its message) and
:class:`CrawlCancelled` (``should_stop`` said so; the result is CANCELLED).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_LISTED_SKIPS", "CrawlCancelled", "CrawlFailed", "Journal"]

MAX_LISTED_SKIPS = 1000  # skipped files (and folders) listed by name; more are only counted


class CrawlFailed(Exception):
    """The crawl fails with this message."""


class CrawlCancelled(Exception):
    """``should_stop`` said so."""


@dataclass
class Journal:
    """Counts (FilesListed, FilesRead, FilesSkipped, ...), skips with reasons, and notes."""

    counts: Counter[str] = field(default_factory=Counter)
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    skipped_folders: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def skip_file(self, path: str, reason: str) -> None:
        """A file left out of every table (the first 1,000 are named with the reason)."""
        self.counts["FilesSkipped"] += 1
        if len(self.skipped_files) < MAX_LISTED_SKIPS:
            self.skipped_files.append({"Path": path, "Reason": reason})

    def skip_folder(self, path: str, reason: str) -> None:
        """A folder left out (incremental crawls, catalog targets)."""
        self.counts["FoldersSkipped"] += 1
        if len(self.skipped_folders) < MAX_LISTED_SKIPS:
            self.skipped_folders.append({"Path": path, "Reason": reason})
