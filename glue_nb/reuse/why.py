"""Why did a job run run, or why was it reused?

With reuse on, the answer is the decision made before the run started: the run it reused, or
what changed (old and new) since the newest earlier run with the same code and parameters (or
the job's latest successful run, when the code or parameters changed). With reuse off, the
run's recorded trace is compared with the job's previous successful run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_nb.exceptions import EntityNotFoundException
from glue_nb.reuse.verify import diff_static, short
from glue_nb.store.job_runs import JobRuns
from glue_nb.store.traces import Traces

__all__ = ["diff_traces", "explain", "format_explanation"]


def diff_traces(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How two recorded traces differ: inputs (by what identified them), packages, Python, the
    run properties read."""
    changes: list[dict[str, Any]] = []

    def ident(record: Mapping[str, Any]) -> Any:
        return record.get("digest") or record.get("etag") or record.get("version")

    before = {(r["kind"], r["resource"]): r for r in old.get("reads", ())}
    after = {(r["kind"], r["resource"]): r for r in new.get("reads", ())}
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is None or b is None or ident(a) != ident(b) or a.get("version") != b.get("version"):
            changes.append({
                "what": "file" if key[0] == "file" else key[0], "name": key[1],
                "old": ident(a) if a else "not read", "new": ident(b) if b else "not read",
            })  # fmt: skip
    pa, pb = old.get("packages") or {}, new.get("packages") or {}
    for name in sorted(set(pa) | set(pb)):
        va, vb = (pa.get(name) or {}).get("version"), (pb.get(name) or {}).get("version")
        if va != vb:
            changes.append({"what": "package", "name": name, "old": va, "new": vb})
    ra, rb = old.get("properties") or {}, new.get("properties") or {}
    for key in sorted(set(ra) | set(rb)):
        if ra.get(key) != rb.get(key):
            changes.append({"what": "property", "name": key, "old": ra.get(key),
                            "new": rb.get(key)})  # fmt: skip
    ka, kb = (old.get("kernel") or {}).get("python"), (new.get("kernel") or {}).get("python")
    if ka != kb:
        changes.append({"what": "python", "name": "python", "old": ka, "new": kb})
    for reason in new.get("unknown", ()):
        changes.append({"what": "unknown", "name": reason, "old": None, "new": None})
    return changes


def explain(store: Any, job_run_id: str) -> dict[str, Any]:
    """Why ``job_run_id`` ran or was reused: ``{"JobRunId", "JobName", "NodeId", "State",
    "Outcome" ("reused" | "ran" | "not started"), "ReuseOn", "ReusedFrom", "SavedSeconds",
    "ComparedWith", "Reason", "Changes": [{"what", "name", "old", "new", "by"?}]}``."""
    row = JobRuns(store).get(job_run_id)
    if row is None:
        raise EntityNotFoundException(f"job run {job_run_id!r} not found")
    traces = Traces(store)
    mine = traces.get(job_run_id) or {}
    out: dict[str, Any] = {
        "JobRunId": job_run_id, "JobName": row["job_name"], "NodeId": row["node_id"],
        "State": row["state"], "ReuseOn": mine.get("decision") is not None,
        "ReusedFrom": mine.get("reused_from"), "Changes": [], "ComparedWith": None,
    }  # fmt: skip
    decision = mine.get("decision")
    if mine.get("reused_from"):
        source = traces.get(mine["reused_from"]) or {}
        saved = (source.get("completed_on") or 0) - (source.get("started_on") or 0)
        out.update(Outcome="reused", SavedSeconds=round(saved, 3), ComparedWith=mine["reused_from"],
                   Reason="nothing it read, nor its code, parameters, packages or outputs, has "
                          f"changed since run {mine['reused_from']}")  # fmt: skip
        return out
    out["Outcome"] = "ran"
    if decision is not None:
        out.update(Changes=list(decision.get("changes") or []),
                   ComparedWith=decision.get("compared_with"),
                   Reason="reuse was on, and this changed" if decision.get("changes") else
                          "reuse was on")  # fmt: skip
        return out
    out["Reason"] = "reuse was off for this run"
    if mine.get("trace") is not None and mine.get("static"):
        previous = traces.latest_success(row["job_name"], before=row["started_on"],
                                         exclude=job_run_id)  # fmt: skip
        if previous is not None:
            changes = diff_static(previous.get("static") or {}, mine["static"])
            changes += diff_traces(previous["trace"] or {}, mine["trace"])
            reason = (
                "reuse was off for this run; against the job's previous successful run, "
                "this changed"
                if changes
                else "reuse was off for this run (nothing it read "
                "had changed since the job's previous successful run: it could have been reused)"
            )
            out.update(Changes=changes, ComparedWith=previous["job_run_id"], Reason=reason)
    return out


_LABELS = {
    "cell": "code changed", "parameter": "parameter", "kernel": "kernel", "file": "file",
    "folder": "folder listing", "url": "URL", "table": "catalog table", "property":
    "run property", "package": "package", "python": "Python", "output": "output",
    "notebook": "executed notebook", "unknown": "unknown read", "first": "first run",
}  # fmt: skip


def format_change(change: Mapping[str, Any]) -> str:
    """One change as one line: ``file /data/in.csv: sha256:1a2b… → sha256:9f8e…``."""
    what = change.get("what", "")
    label = _LABELS.get(what, what)
    name = change.get("name")
    if what in ("unknown", "first"):
        return f"{label}: {name}"
    if what == "cell":
        return f"{name} changed:\n      - {short(change.get('old'), 200)!s}\n      + " \
               f"{short(change.get('new'), 200)!s}"  # fmt: skip
    text = f"{label} {name}: {short(change.get('old'))} → {short(change.get('new'))}"
    if change.get("by"):
        text += f" (an upstream output: last written by {change['by']})"
    return text


def format_explanation(info: Mapping[str, Any]) -> str:
    """:func:`explain`'s answer as text."""
    head = f"{info['JobName']} ({info['JobRunId']}, {info['State']})"
    if info.get("Outcome") == "reused":
        saved = info.get("SavedSeconds")
        return (f"{head}: reused {info['ReusedFrom']}" + (f" ({saved:.1f} s saved)" if saved
                else "") + f"\n  {info['Reason']}")  # fmt: skip
    lines = [f"{head}: ran, because {info['Reason']}"]
    if info.get("ComparedWith"):
        lines[0] += f" (compared with {info['ComparedWith']})"
    lines += [f"  - {format_change(c)}" for c in info.get("Changes") or []]
    return "\n".join(lines)
