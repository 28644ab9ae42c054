"""Grouping: which folders are tables and which are partitions (Glue's rules, with our choices
where AWS is vague).

Every folder holding files of one format (majority; the rest are skipped) is a candidate table.
Going up, sibling candidates with the same format and partition depth merge into one table at
the parent when their schemas are similar: more than 70 % of them in one cluster of similar
schemas (columns overlap >= 70 %) and at most five clusters. A lone Hive ``key=value`` child
always merges (``sales/year=2019/...`` is table ``sales``); a lone plain child merges only
tentatively: kept when its parent's level merges with siblings (``ds/2023/01``, ``ds/2024/01``
make one table ``ds``), undone otherwise (``lake/orders/*.csv`` alone is table ``orders``).
Merged folders become partitions. ``Grouping.TableGroupingPolicy = CombineCompatibleSchemas``
merges whatever has the same format and partition depth, up to the include path.
``Grouping.TableLevelConfiguration = N`` puts the table roots at level N, where the include path
is level 1 (for bucket URLs such as ``s3://``, the first folder under the bucket is level 1, as in
Glue).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from glue_nb.crawl.config import Settings
from glue_nb.crawl.formats import FileInfo
from glue_nb.crawl.journal import CrawlFailed, Journal
from glue_nb.crawl.listing import File, Target
from glue_nb.crawl.types import merge_types, render_type

__all__ = [
    "MAX_CLUSTERS",
    "SIMILARITY",
    "Col",
    "Group",
    "Grouper",
    "Leaf",
    "Node",
    "columns_of",
    "merge_columns",
    "similar",
]

SIMILARITY = 0.7  # column overlap for "similar" schemas and Glue's partition threshold
MAX_CLUSTERS = 5


@dataclass(slots=True)
class Col:
    """A column being merged across files: its type, the type names seen, a conflict flag."""

    type: Any
    seen: set[str]
    conflict: bool = False


def columns_of(info: FileInfo) -> dict[str, Col]:
    """The columns of one classified file."""
    return {
        name: Col(t, {render_type(t)} if t is not None else set())
        for name, t in info.columns.items()
    }


def merge_columns(into: dict[str, Col], other: dict[str, Col]) -> None:
    """Merge ``other``'s columns into ``into`` (types merged, conflicts flagged)."""
    for name, col in other.items():
        cur = into.get(name)
        if cur is None:
            into[name] = Col(col.type, set(col.seen), col.conflict)
            continue
        merged, conflict = merge_types(cur.type, col.type)
        cur.type = merged
        cur.seen |= col.seen
        cur.conflict = cur.conflict or col.conflict or conflict


@dataclass
class Node:
    """A folder of the listed tree: its children and the files directly in it."""

    parts: tuple[str, ...]
    children: dict[str, Node] = field(default_factory=dict)
    files: list[File] = field(default_factory=list)


@dataclass
class Leaf:
    """A folder with files that is part of a group (a partition when the group is merged)."""

    rel: tuple[str, ...]  # folder parts relative to the group root
    node: Node
    files: list[File]  # sampled files with info, then unsampled ones


@dataclass
class Group:
    """A candidate table: its root folder, format key, merged columns and leaf folders."""

    root: tuple[str, ...]
    key: tuple[str, str, str]
    columns: dict[str, Col]
    depth: int
    leaves: list[Leaf]
    header: bool
    quoted: bool
    inner: Group | None = None  # set for a tentative merge of a lone plain child folder

    def settled(self) -> Group:
        """Undo tentative merges: a lone plain folder that was not merged further is a table."""
        group = self
        while group.inner is not None:
            group = group.inner
        return group


def similar(a: set[str], b: set[str]) -> bool:
    """Do two column sets overlap enough (70 % of the smaller) to be one table?"""
    if not a or not b:
        return True
    return len(a & b) / min(len(a), len(b)) >= SIMILARITY


class Grouper:
    """Groups the classified files of one target into tables and partitions."""

    def __init__(self, settings: Settings, journal: Journal) -> None:
        self.settings = settings
        self.journal = journal

    def group(self, target: Target, files: list[File]) -> list[Group]:
        """The tables of one target: catalog targets forced to one, table level, or Glue's rules."""
        root = Node(())
        for f in files:
            if f.sampled and f.info is None:
                continue  # skipped already
            node = root
            for i, part in enumerate(f.parts):
                node = node.children.setdefault(part, Node(f.parts[: i + 1]))
            node.files.append(f)
        if target.table is not None:
            groups = self._resolve(target, root, "force")
            if len(groups) > 1:
                groups.sort(key=lambda g: -sum(len(leaf.files) for leaf in g.leaves))
                for extra in groups[1:]:
                    self.journal.skip_folder(
                        target.loc(extra.root),
                        f"does not fit catalog table {target.database}.{target.table}",
                    )
                groups = groups[:1]
            return groups
        if self.settings.level is not None:
            level = self.settings.level
            depth = level - target.level0
            if depth < 0:
                raise CrawlFailed(
                    f"Grouping.TableLevelConfiguration {level} is above the include path "
                    f"{target.location} (level {target.level0})"
                )
            groups = []
            for node in self._nodes_at(root, depth, target):
                groups.extend(self._resolve(target, node, "force"))
            return groups
        groups = self._resolve(target, root, "combine" if self.settings.combine else "default")
        return [g.settled() for g in groups]

    def _resolve(self, target: Target, node: Node, mode: str) -> list[Group]:
        """The groups below ``node``; mode: default (Glue's similarity rules), combine or force."""
        own = self._own_group(target, node)
        kids: list[tuple[str, list[Group]]] = []
        for name in sorted(node.children):
            groups = self._resolve(target, node.children[name], mode)
            if groups:
                kids.append((name, groups))
        flat = [g.settled() for _, groups in kids for g in groups]
        if not kids:
            return [own] if own else []
        if own is not None:
            return [own, *flat]
        candidates: list[tuple[str, Group]] = []
        for name, groups in kids:
            if len(groups) != 1 or groups[0].root != node.children[name].parts:
                return flat
            candidates.append((name, groups[0]))
        if self._mergeable(candidates, mode):
            # A lone plain folder merges tentatively: kept if its siblings' level merges too.
            lone = mode == "default" and len(candidates) == 1 and "=" not in candidates[0][0]
            merged = merge_groups(node, candidates)
            merged.inner = candidates[0][1] if lone else None
            return [merged]
        return flat

    def _mergeable(self, candidates: list[tuple[str, Group]], mode: str) -> bool:
        """May these sibling groups become partitions of one table?"""
        if len({g.key for _, g in candidates}) != 1 or len({g.depth for _, g in candidates}) != 1:
            return False
        if mode != "default":
            return True
        if len(candidates) == 1:
            return True
        clusters: list[list[Any]] = []
        for _, g in candidates:
            names = set(g.columns)
            for cluster in clusters:
                if similar(cluster[0], names):
                    cluster[1] += 1
                    break
            else:
                clusters.append([names, 1])
        biggest = max(c[1] for c in clusters)
        return len(clusters) <= MAX_CLUSTERS and biggest / len(candidates) > SIMILARITY

    def _own_group(self, target: Target, node: Node) -> Group | None:
        """The table made by the files directly in ``node`` (the majority format), if any."""
        ok = [f for f in node.files if f.info is not None]
        unsampled = [f for f in node.files if not f.sampled]
        if not ok:
            for f in unsampled:
                self.journal.skip_file(
                    target.file_location(f),
                    "not sampled, and no sampled file of its folder was readable",
                )
            return None
        counts = Counter(f.info.key for f in ok if f.info)
        key = sorted(counts, key=lambda k: (-counts[k], k))[0]
        keep = []
        for f in ok:
            assert f.info is not None
            if f.info.key == key:
                keep.append(f)
            else:
                self.journal.skip_file(
                    target.file_location(f),
                    f"format {_fmt(f.info.key)} differs from the folder's majority "
                    f"format {_fmt(key)}",
                )
        columns: dict[str, Col] = {}
        for f in keep:
            merge_columns(columns, columns_of(f.info))  # type: ignore[arg-type]
        headers = sum(1 for f in keep if f.info and f.info.header)
        return Group(
            root=node.parts,
            key=key,
            columns=columns,
            depth=0,
            leaves=[Leaf((), node, keep + unsampled)],
            header=headers * 2 >= len(keep),
            quoted=any(f.info.quoted for f in keep if f.info),
        )

    def _nodes_at(self, root: Node, depth: int, target: Target) -> list[Node]:
        """Folders at ``depth`` below the root; files above that level are skipped."""
        level = [root]
        for _ in range(depth):
            nxt: list[Node] = []
            for node in level:
                for f in node.files:
                    self.journal.skip_file(
                        target.file_location(f),
                        f"above the table level {self.settings.level} "
                        "(Grouping.TableLevelConfiguration)",
                    )
                nxt.extend(node.children[name] for name in sorted(node.children))
            level = nxt
        return level


def merge_groups(node: Node, candidates: list[tuple[str, Group]]) -> Group:
    """One table at ``node`` from its children's groups (each child folder a partition)."""
    columns: dict[str, Col] = {}
    leaves: list[Leaf] = []
    headers = total = 0
    for name, g in candidates:
        merge_columns(columns, g.columns)
        leaves.extend(Leaf((name, *leaf.rel), leaf.node, leaf.files) for leaf in g.leaves)
        total += 1
        headers += int(g.header)
    first = candidates[0][1]
    return Group(
        root=node.parts,
        key=first.key,
        columns=columns,
        depth=first.depth + 1,
        leaves=leaves,
        header=headers * 2 >= total,
        quoted=any(g.quoted for _, g in candidates),
    )


def _fmt(key: tuple[str, str, str]) -> str:
    """``csv+gzip (delimiter ',')``: a format key for messages."""
    cls, comp, delim = key
    text = cls if comp == "none" else f"{cls}+{comp}"
    return f"{text} (delimiter {delim!r})" if delim else text
