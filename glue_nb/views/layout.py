"""A Glue graph (``{"Nodes", "Edges"}``) → DOT → SVG, laid out once and recoloured many times.

:func:`dot_source` turns the graph of a workflow (``GetWorkflow(IncludeGraph=True)``) or of a run
(``GetWorkflowRun(IncludeGraph=True)``) into DOT: triggers, jobs and crawlers get their own shape
and colour, a trigger shows its type and detail (cron, ALL/ANY), edges into a conditional trigger
carry the watched state. Every node's SVG group has ``id`` = its ``UniqueId``.

In *run* mode the colours and the status line are placeholders: :class:`SvgTemplate` runs ``dot``
once and splits its SVG into literal parts and per-node slots, so recolouring a run of 500 nodes is
a string join (well under a millisecond), not a new layout.
"""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from glue_nb.exceptions import GlueNbError
from glue_nb.views.style import CATEGORIES, FONT, KIND, SELECTION_CSS, WATCH_COLOUR, esc

__all__ = [
    "INSTALL_HINT",
    "GraphvizNotFound",
    "SvgTemplate",
    "dot_available",
    "dot_source",
    "pipe",
    "trigger_detail",
]

INSTALL_HINT = (
    "graphviz's `dot` program is not installed (or not on PATH), so the workflow graph cannot be "
    "drawn. Install it with one of: `apt-get install graphviz` (Debian/Ubuntu), "
    "`conda install graphviz` (conda), `brew install graphviz` (macOS); then restart the kernel."
)

FORMATS = ("svg", "png", "dot")
FIT_NODES = 40

_FILL, _STROKE = "#fe01fe", "#fe02fe"  # run-mode placeholders, replaced per node
_TOKEN = "@@S{}@@"
_PAD = {"TRIGGER": 4, "JOB": 12, "CRAWLER": 12}  # room for the status line (with its token)
_STATUS_TEXT = re.compile(
    r'<text text-anchor="(?:start|middle)" x="[-\d.]+"(?P<rest>[^>]*)>@@S\d+@@_*</text>'
)
_COORDS = re.compile(r'(?:points| d)="([^"]+)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_ACTIVE = {"ACTIVATED", None}


class GraphvizNotFound(GlueNbError):
    """The graphviz ``dot`` binary is missing; the message says how to install it."""

    def __str__(self) -> str:
        return self.message


def dot_available() -> bool:
    """True when graphviz's ``dot`` is on PATH."""
    return shutil.which("dot") is not None


def pipe(source: str, fmt: str = "svg") -> bytes:
    """Run ``dot -T<fmt>`` on ``source`` (SVG results are cached per source)."""
    if fmt == "svg":
        return _svg(source).encode("utf-8")
    return _run_dot(source, fmt)


@functools.lru_cache(maxsize=64)
def _svg(source: str) -> str:
    return _run_dot(source, "svg").decode("utf-8")


def _run_dot(source: str, fmt: str) -> bytes:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFound(INSTALL_HINT)
    proc = subprocess.run(
        [exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise GlueNbError(f"graphviz dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


# -- the graph in DOT ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Node:
    uid: str
    type: str
    name: str
    trigger: Mapping[str, Any]


def _nodes(graph: Mapping[str, Any]) -> list[_Node]:
    out = []
    for node in graph.get("Nodes") or []:
        trigger = (node.get("TriggerDetails") or {}).get("Trigger") or {}
        out.append(_Node(node["UniqueId"], node["Type"], node["Name"], trigger))
    return out


def trigger_detail(trigger: Mapping[str, Any]) -> str:
    """One line saying what starts a trigger: its cron, ALL/ANY of n conditions, ..."""
    kind = trigger.get("Type")
    if kind == "SCHEDULED":
        text = f"schedule {trigger.get('Schedule', '')}".strip()
    elif kind == "ON_DEMAND":
        text = "on demand"
    elif kind == "EVENT":
        batch = trigger.get("EventBatchingCondition") or {}
        text = f"event · batch {batch.get('BatchSize', 1)} / {batch.get('BatchWindow', 900)} s"
    elif kind == "CONDITIONAL":
        predicate = trigger.get("Predicate") or {}
        count = len(predicate.get("Conditions") or [])
        logical = "any" if predicate.get("Logical") == "ANY" else "all"
        text = f"{logical} of {count}" if count > 1 else "when 1 condition"
    else:
        text = str(kind or "trigger").lower()
    if kind in ("SCHEDULED", "CONDITIONAL") and trigger.get("State") not in _ACTIVE:
        text += " (inactive)"
    return text


_PIECE = re.compile(r"[^_\-/.:]*[_\-/.:]+|[^_\-/.:]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_INNER_BREAK = 4  # a break inside a word costs this many characters of line length


def _pieces(text: str, width: int) -> list[tuple[str, bool]]:
    """``text`` cut where a line may break: at spaces; a word longer than ``width`` also after
    ``_ - / . :`` and between camelCase words. Each piece says whether a space follows it."""
    out: list[tuple[str, bool]] = []
    for word in text.split():
        if len(word) <= width:
            out.append((word, True))
            continue
        for part in _PIECE.findall(word):
            out.extend((p, False) for p in _CAMEL.split(part) if p)
        out[-1] = (out[-1][0], True)
    if out:
        out[-1] = (out[-1][0], False)
    return out


def _join(pieces: Sequence[tuple[str, bool]]) -> str:
    return "".join(p + (" " if space else "") for p, space in pieces).rstrip(" ")


def _greedy(pieces: Sequence[tuple[str, bool]], width: int) -> list[int]:
    """Where a greedy fill starts each line (a piece longer than a line gets its own line)."""
    starts, length = [0], 0
    for i, (piece, _) in enumerate(pieces):
        gap = 1 if i and pieces[i - 1][1] else 0
        if length and length + gap + len(piece) > width:
            starts.append(i)
            length = len(piece)
        else:
            length += gap + len(piece)
    return starts


def _wrap(name: str, width: int = 26, lines: int = 3) -> list[str]:
    """A node name on at most ``lines`` lines of about ``width`` characters, broken at spaces,
    and inside a word too long for a line only after ``_ - / . :`` or between camelCase words
    (never between two letters of a word); lines as even as possible. A name that does not fit
    ends in "…" after its last whole piece that does."""
    pieces = _pieces(name, width)
    whole = _join(pieces)
    if len(whole) <= width:
        return [whole]
    starts = _greedy(pieces, width)
    n = len(pieces)
    if len(starts) > lines:  # too long: fill, and cut the last line at a piece
        out = [_join(pieces[a:b]) for a, b in itertools.pairwise(starts[:lines])]
        tail = list(pieces[starts[lines - 1] :])
        while len(tail) > 1 and len(_join(tail)) + 1 > width:
            tail.pop()
        return [*out, _join(tail)[: max(width - 1, 1)].rstrip(" _-/.:") + "…"]
    memo: dict[tuple[int, int], tuple[int, list[int]]] = {}

    def solve(start: int, left: int) -> tuple[int, list[int]]:
        """The breaks of ``pieces[start:]`` into ``left`` lines with the shortest longest line."""
        if (start, left) not in memo:
            result: tuple[int, list[int]] = (len(_join(pieces[start:])), [])
            if left > 1:
                result = (1 << 30, [])
                for end in range(start + 1, n - left + 2):
                    head = len(_join(pieces[start:end]))
                    head += 0 if pieces[end - 1][1] else _INNER_BREAK
                    rest, cuts = solve(end, left - 1)
                    if max(head, rest) < result[0]:
                        result = (max(head, rest), [end, *cuts])
            memo[(start, left)] = result
        return memo[(start, left)]

    cuts = [0, *solve(0, len(starts))[1], n]
    return [_join(pieces[a:b]) for a, b in itertools.pairwise(cuts)]


def _label(name: str, *lines: tuple[str, str]) -> str:
    head = "<BR/>".join(f"<B>{esc(p)}</B>" for p in _wrap(name))
    rest = "".join(
        f'<BR/><FONT POINT-SIZE="9" COLOR="{colour}">{text}</FONT>' for text, colour in lines
    )
    return f"<{head}{rest}>"


def _ranks(nodes: Sequence[_Node], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layer of each node (Kahn's order; a cycle just stops early)."""
    succ: dict[str, list[str]] = {n.uid: [] for n in nodes}
    indeg = dict.fromkeys(succ, 0)
    for s, d in edges:
        if s in succ and d in succ:
            succ[s].append(d)
            indeg[d] += 1
    rank = dict.fromkeys(succ, 0)
    queue = [u for u, k in indeg.items() if k == 0]
    while queue:
        uid = queue.pop()
        for d in succ[uid]:
            rank[d] = max(rank[d], rank[uid] + 1)
            indeg[d] -= 1
            if indeg[d] == 0:
                queue.append(d)
    return rank


def _width(node: _Node, compact: bool, run: bool = True) -> float:
    """About how wide a node is drawn, in inches (for choosing the direction)."""
    if compact and _is_marker(node):
        return 0.35
    text = 0.085 * max(len(line) for line in _wrap(node.name)) + 0.35
    if node.type == "TRIGGER":
        return max(text, 0.065 * len(trigger_detail(node.trigger)) + 0.35) + 0.45
    return max(text, 1.8 if run else 1.1)  # the run view's status line needs about 1.8


def choose_rankdir(
    nodes: Sequence[_Node],
    edges: Sequence[tuple[str, str]],
    *,
    compact: bool = True,
    run: bool = True,
) -> str:
    """LR when the graph is long and thin enough to fit a notebook's width (about 11 inches)
    or is no wider that way than top-down, else TB."""
    if not nodes:
        return "LR"
    ranks = _ranks(nodes, edges)
    widths: dict[int, list[float]] = {}
    for node in nodes:
        widths.setdefault(ranks[node.uid], []).append(_width(node, compact, run))
    lr_width = sum(max(w) for w in widths.values()) + 0.45 * (len(widths) - 1)
    tb_width = max(sum(w) + 0.25 * (len(w) - 1) for w in widths.values())
    if lr_width <= 11 or lr_width <= tb_width:
        return "LR"
    return "TB"


def _legend(mode: str) -> str:
    if mode == "run":
        items = [(c.fill, c.stroke, c.label) for c in CATEGORIES.values()]
    else:
        items = [(c.fill, c.stroke, c.label) for c in KIND.values()]
    cells = "".join(
        f'<TD BGCOLOR="{fill}" COLOR="{stroke}" BORDER="1" STYLE="rounded" CELLPADDING="3">'
        f'<FONT POINT-SIZE="9">{esc(label)}</FONT></TD>'
        for fill, stroke, label in items
    )
    if mode == "design":
        cells += (
            '<TD><FONT POINT-SIZE="9" COLOR="#4b5563">──  all of (AND)</FONT></TD>'
            '<TD><FONT POINT-SIZE="9" COLOR="#4b5563">- - -  any of (ANY)</FONT></TD>'
        )
    return f'<TABLE BORDER="0" CELLSPACING="4"><TR>{cells}</TR></TABLE>'


def dot_source(
    graph: Mapping[str, Any],
    *,
    name: str = "",
    rankdir: str = "auto",
    mode: str = "design",
    jobs: Mapping[str, str] | None = None,
    crawlers: Mapping[str, str] | None = None,
    legend: bool = True,
    compact: bool = True,
) -> str:
    """DOT for a Glue graph.

    ``mode="design"`` colours nodes by type; ``mode="run"`` writes placeholders that
    :class:`SvgTemplate` fills per refresh. ``jobs`` / ``crawlers`` map a name to a short
    detail line (the notebook file, the target database). ``rankdir`` is ``LR``, ``TB`` or
    ``auto`` (chosen from the graph's shape). ``compact`` draws conditional triggers as small
    markers (their logic inside, when they watch more than one node; their name and conditions
    in the tooltip) so the jobs and crawlers carry the picture; ``False`` draws them full size.
    """
    if mode not in ("design", "run"):
        raise ValueError(f"mode must be 'design' or 'run', not {mode!r}")
    nodes = _nodes(graph)
    by_id = {n.uid: n for n in nodes}
    edges = [(e["SourceId"], e["DestinationId"]) for e in graph.get("Edges") or []]
    rankdir = rankdir.upper()
    if rankdir == "AUTO":
        rankdir = choose_rankdir(nodes, edges, compact=compact, run=mode == "run")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be LR, TB or auto, not {rankdir!r}")
    run = mode == "run"
    lines = [
        "digraph workflow {",
        f'  graph [rankdir={rankdir}, fontname="{FONT}", nodesep=0.25, ranksep=0.45, '
        'pad=0.15, bgcolor="transparent", newrank=true];',
        f'  node [fontname="{FONT}", fontsize=11, margin="0.14,0.06"'
        + ("" if run else ", penwidth=1.2")
        + "];",
        f'  edge [fontname="{FONT}", fontsize=8, color="#6b7280", arrowsize=0.7];',
    ]
    if legend:
        rows = f'<TR><TD ALIGN="LEFT">{_legend(mode)}</TD></TR>'
        if name and not run:
            rows = (
                f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="13"><B>{esc(name)}</B></FONT></TD></TR>'
                + rows
            )
        lines.append(
            f'  label=<<TABLE BORDER="0" CELLSPACING="0">{rows}</TABLE>>; labelloc=t; labeljust=l;'
        )
    for i, node in enumerate(nodes):
        kind = KIND.get(node.type, KIND["JOB"])
        detail: list[tuple[str, str]] = []
        if run:
            colours = f'fillcolor="{_FILL}", color="{_STROKE}"'
        else:
            colours = f'fillcolor="{kind.fill}", color="{kind.stroke}"'
        if compact and _is_marker(node):
            lines.append(f'  "{node.uid}" [id="{node.uid}", {_marker(node)}, {colours}];')
            continue
        if node.type == "TRIGGER":
            detail.append((esc(trigger_detail(node.trigger)), "#78350f"))
            shape = 'shape=hexagon, style="filled", margin="0.01,0.03", fontsize=10'
        elif node.type == "CRAWLER":
            if not run:
                detail.append((esc((crawlers or {}).get(node.name, "crawler")), "#134e4a"))
            shape = 'shape=cylinder, style="filled"'
        else:
            if not run:
                detail.append((esc((jobs or {}).get(node.name, "notebook job")), "#0c4a6e"))
            shape = 'shape=box, style="rounded,filled"'
        if run:
            detail.append((_TOKEN.format(i) + "_" * _PAD.get(node.type, 20), "#374151"))
        label = _label(node.name, *detail)
        lines.append(f'  "{node.uid}" [id="{node.uid}", {shape}, {colours}, label={label}];')
    for src, dst in edges:
        attrs = []
        target = by_id.get(dst)
        source = by_id.get(src)
        if target is not None and source is not None and target.type == "TRIGGER":
            watched = _watched_state(target.trigger, source)
            if watched:
                colour = WATCH_COLOUR.get(watched, "#6b7280")
                attrs.append(f'label="{watched.lower()}", fontcolor="{colour}", color="{colour}"')
            if (target.trigger.get("Predicate") or {}).get("Logical") == "ANY":
                attrs.append('style="dashed"')
        extra = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f'  "{src}" -> "{dst}"{extra};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _is_marker(node: _Node) -> bool:
    """A conditional trigger: drawn as a small marker in the compact layout."""
    return node.type == "TRIGGER" and node.trigger.get("Type") == "CONDITIONAL"


def _marker(node: _Node) -> str:
    """DOT attributes of a compact trigger marker: a small hexagon, with ``all of n`` / ``any of
    n`` inside when it watches several nodes (one condition: the edge label says it all)."""
    text = trigger_detail(node.trigger).replace("when 1 condition", "").strip()
    if not text:
        return 'shape=hexagon, style="filled", label="", width=0.34, height=0.22, fixedsize=true'
    return (
        'shape=hexagon, style="filled", margin="0.02,0.01", width=0.3, height=0.22, '
        f'fontsize=8, fontcolor="#78350f", label="{esc(text)}"'
    )


def _watched_state(trigger: Mapping[str, Any], node: _Node) -> str | None:
    for cond in (trigger.get("Predicate") or {}).get("Conditions") or []:
        if node.type == "JOB" and cond.get("JobName") == node.name:
            return cond.get("State")
        if node.type == "CRAWLER" and cond.get("CrawlerName") == node.name:
            return cond.get("CrawlState")
    return None


# -- SVG post-processing ---------------------------------------------------------------------------
_GROUP = re.compile(
    r'<g id="(?P<uid>[^"]+)" class="node">\s*<title>[^<]*</title>(?P<body>.*?)</g>', re.S
)
_EDGE_TITLE = re.compile(r'<g id="edge\d+" class="edge">\s*<title>([^<]*?)&#45;&gt;([^<]*)</title>')
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _tidy(svg: str, names: Mapping[str, str]) -> str:
    """Drop the XML prolog, give edges readable tooltips, tag the root element. Graphs of up to
    ``FIT_NODES`` nodes shrink to fit their container; larger ones keep their size (and scroll),
    so their labels stay readable."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    fit = ' style="max-width:100%;height:auto"' if len(names) <= FIT_NODES else ""
    svg = _EDGE_TITLE.sub(
        lambda m: (
            m[0].split("<title>")[0]
            + f"<title>{esc(names.get(m[1], m[1]))} → {esc(names.get(m[2], m[2]))}</title>"
        ),
        svg,
    )
    return _SIZE.sub(
        lambda m: f'<svg class="gnb-graph" width="{m[1]}pt" height="{m[2]}pt"{fit}',
        svg,
        count=1,
    )


def design_svg(source: str, graph: Mapping[str, Any]) -> str:
    """Lay out design-mode DOT and return tidy SVG with node tooltips."""
    names = {n.uid: n.name for n in _nodes(graph)}
    tips = {n.uid: _design_tip(n) for n in _nodes(graph)}
    svg = _tidy(pipe(source).decode("utf-8"), names)

    def title(m: re.Match[str]) -> str:
        uid = m["uid"]
        return f'<g id="{uid}" class="node"><title>{esc(tips.get(uid, uid))}</title>{m["body"]}</g>'

    return _GROUP.sub(title, svg)


def _design_tip(node: _Node) -> str:
    if node.type == "TRIGGER":
        trig = node.trigger
        text = f"trigger {node.name} ({trig.get('Type', '?')}, {trig.get('State', '?')})"
        for cond in (trig.get("Predicate") or {}).get("Conditions") or []:
            target = cond.get("JobName") or cond.get("CrawlerName")
            text += f"\n  when {target} = {cond.get('State') or cond.get('CrawlState')}"
        return text
    return f"{'crawler' if node.type == 'CRAWLER' else 'job'} {node.name}"


def _centre(body: str) -> str:
    """The x centre of a node's shape (its first polygon or path)."""
    m = _COORDS.search(body)
    if m is None:
        return "0"
    xs = [float(v) for v in _NUMBER.findall(m[1])[0::2]]
    return f"{(min(xs) + max(xs)) / 2:.2f}" if xs else "0"


@dataclass(frozen=True)
class Slot:
    """What one node of a run view shows now."""

    category: str
    status: str = ""
    tooltip: str = ""
    state: str = ""
    node_type: str = "JOB"


class SvgTemplate:
    """A run graph laid out once; :meth:`render` fills in each node's colour and status line."""

    def __init__(
        self,
        graph: Mapping[str, Any],
        *,
        name: str = "",
        rankdir: str = "auto",
        compact: bool = True,
    ) -> None:
        nodes = _nodes(graph)
        self.uids = [n.uid for n in nodes]
        self.types = {n.uid: n.type for n in nodes}
        source = dot_source(graph, name=name, rankdir=rankdir, mode="run", compact=compact)
        self.source = source
        svg = _tidy(pipe(source).decode("utf-8"), {n.uid: n.name for n in nodes})
        head = svg.find(">") + 1  # the selection marker travels with the drawing
        svg = f"{svg[:head]}\n<style>{SELECTION_CSS}</style>{svg[head:]}"

        def mark(m: re.Match[str]) -> str:
            uid = m["uid"]
            body = m["body"]
            body = body.replace(f'fill="{_FILL}"', f"\x00{uid}\x01fill\x00")
            body = re.sub(rf'stroke="{_STROKE}"', f"\x00{uid}\x01stroke\x00", body)
            body = _STATUS_TEXT.sub(
                lambda t: (
                    f'<text text-anchor="middle" x="{_centre(body)}"{t["rest"]}>'
                    f"\x00{uid}\x01status\x00</text>"
                ),
                body,
            )
            return (
                f'<g id="{uid}" class="node\x00{uid}\x01class\x00">'
                f"<title>\x00{uid}\x01title\x00</title>{body}</g>"
            )

        marked = _GROUP.sub(mark, svg)
        pieces = marked.split("\x00")
        self._parts: list[str] = pieces
        self._slots: list[tuple[int, str, str]] = []
        for index in range(1, len(pieces), 2):
            uid, kind = pieces[index].split("\x01")
            self._slots.append((index, uid, kind))

    def render(self, slots: Mapping[str, Slot]) -> str:
        """The SVG with every node coloured by its slot (missing nodes: not yet run)."""
        parts = list(self._parts)
        default = Slot("pending")
        for index, uid, kind in self._slots:
            slot = slots.get(uid, default)
            colour = CATEGORIES.get(slot.category, CATEGORIES["pending"])
            if kind == "fill":
                parts[index] = f'fill="{colour.fill}"'
            elif kind == "stroke":
                extra = ' stroke-dasharray="4,3"' if colour.dashed else ""
                if slot.category in ("running", "failed", "timeout"):
                    extra += ' stroke-width="2"'
                parts[index] = f'stroke="{colour.stroke}"{extra}'
            elif kind == "status":
                parts[index] = esc(slot.status)
            elif kind == "title":
                parts[index] = esc(slot.tooltip)
            else:  # class (the template closes the last attribute's quote)
                parts[index] = f" gnb-{self.types[uid].lower()} gnb-{slot.category}"
                if slot.state:
                    parts[index] += f'" data-state="{esc(slot.state)}'
        return "".join(parts)
