"""OpenLineage RunEvents for job runs and crawls (``pip install glue-nb[openlineage]``).

Each job run and crawl is an OpenLineage run: START when it starts, then COMPLETE (SUCCEEDED),
FAIL (FAILED, ERROR, TIMEOUT) or ABORT (STOPPED, CANCELLED) with its input and output datasets
(from ``io_records``). Events are built with ``openlineage-python``'s classes (which check them
against the spec's model) and sent:

* live, when ``GLUE_NB_OPENLINEAGE_URL`` is set (a collector such as Marquez: events go to
  ``<url>/api/v1/lineage``, or to the URL's own path when it has one) and/or
  ``GLUE_NB_OPENLINEAGE_FILE`` (JSON lines appended to that file), from a background thread, so
  a slow collector never slows a run; a failed send is logged, never raised;
* for past runs: :func:`glue_nb.lineage.events.run_events` builds them from the history (any
  selection :func:`glue_nb.history.lineage` takes), :func:`write_events` writes them as JSON
  lines.

Names: the job namespace is ``GLUE_NB_OPENLINEAGE_NAMESPACE`` (default ``glue-nb``), jobs are
``job/<name>``, crawlers ``crawler/<name>`` and a job run's parent is its workflow run
(``workflow/<name>``), as Glue's ARNs name them. Run ids are UUIDs made from glue-nb's ids
(the same id always gives the same UUID). Datasets follow OpenLineage's naming: a local file is
namespace ``file`` and its absolute path; an fsspec URL ``scheme://authority`` and the path
(``s3://bucket`` and the key); a catalog table or partition is the table in the Glue catalog
naming, ``arn:aws:glue:<region>:<account>`` and ``table/<database>/<table>`` (the region and
account glue-nb answers with), with the table's VersionId as the dataset version.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from glue_nb.store import lineage as queries

if TYPE_CHECKING:
    from glue_nb.store import Store

__all__ = [
    "CATALOG_NAMESPACE",
    "FILE_ENV",
    "NAMESPACE_ENV",
    "URL_ENV",
    "answer_events",
    "build_events",
    "configured",
    "dataset_name",
    "events_json",
    "flush",
    "notify",
    "run_uuid",
    "to_json",
    "write_events",
]

log = logging.getLogger(__name__)

URL_ENV = "GLUE_NB_OPENLINEAGE_URL"
FILE_ENV = "GLUE_NB_OPENLINEAGE_FILE"
NAMESPACE_ENV = "GLUE_NB_OPENLINEAGE_NAMESPACE"
PRODUCER = "https://pypi.org/project/glue-nb/"
END_TYPES = {
    "SUCCEEDED": "COMPLETE",
    "FAILED": "FAIL",
    "ERROR": "FAIL",
    "TIMEOUT": "FAIL",
    "STOPPED": "ABORT",
    "CANCELLED": "ABORT",
}


def configured() -> bool:
    """Is live emission asked for (either environment variable set)?"""
    return bool(os.environ.get(URL_ENV) or os.environ.get(FILE_ENV))


def run_uuid(glue_id: str) -> str:
    """The OpenLineage runId (a UUID) of a glue-nb id: its first 32 hex digits as a version 4
    UUID, or a UUID 5 of the id when it has none."""
    digits = glue_id.partition("_")[2]
    try:
        return str(uuid.UUID(hex=digits[:32], version=4))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"glue-nb:{glue_id}"))


#: The Glue catalog's namespace: the region and account glue-nb answers with by default
#: (glue_nb.api.service's DEFAULT_REGION and DEFAULT_ACCOUNT; a test keeps them the same).
CATALOG_NAMESPACE = "arn:aws:glue:us-east-1:123456789012"


def dataset_name(kind: str, resource: str, catalog: str | None = None) -> tuple[str, str]:
    """(namespace, name) of a resource as an OpenLineage dataset."""
    if kind in ("table", "partition"):
        table = resource.partition("/")[0]
        db, _, name = table.partition(".")
        return catalog or CATALOG_NAMESPACE, f"table/{db}/{name}"
    if kind == "url":
        parts = urlsplit(resource)
        name = parts.path.lstrip("/").rstrip("/") or "/"
        return f"{parts.scheme}://{parts.netloc}", name
    path = resource.rstrip("/") or "/"
    return "file", path


def _time(epoch: float) -> str:
    stamp = datetime.fromtimestamp(float(epoch), timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("glue-nb")
    except Exception:
        return "0"


def build_events(
    run: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    *,
    phases: Iterable[str] = ("start", "end"),
    namespace: str | None = None,
    catalog: str | None = None,
) -> list[Any]:
    """The RunEvents of one job run or crawl (``run``: GetLineage's run columns; ``records``:
    its records with ``Direction``, ``Kind``, ``Resource``, ``Version``, ``Digest``,
    ``Etag``): START and, once it has ended, its end event with its datasets."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent
    from openlineage.client.event_v2 import RunState as EventType
    from openlineage.client.facet_v2 import (
        dataset_version_dataset,
        error_message_run,
        job_type_job,
        parent_run,
        processing_engine_run,
    )

    ns = namespace or os.environ.get(NAMESPACE_ENV) or "glue-nb"
    kind = "crawler" if run["Type"] == "CRAWLER" else "job"
    job = Job(
        namespace=ns,
        name=f"{kind}/{run['Name']}",
        facets={
            "jobType": job_type_job.JobTypeJobFacet(
                processingType="BATCH",
                integration="GLUE_NB",
                jobType=kind.upper(),
                producer=PRODUCER,
            )
        },
    )
    facets: dict[str, Any] = {
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=_version(), name="glue-nb", producer=PRODUCER
        )
    }
    if run.get("WorkflowName") and run.get("WorkflowRunId"):
        facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=run_uuid(run["WorkflowRunId"])),
            job=parent_run.Job(namespace=ns, name=f"workflow/{run['WorkflowName']}"),
            producer=PRODUCER,
        )
    datasets: dict[str, dict[tuple[str, str], str | None]] = {"read": {}, "write": {}}
    for rec in records:
        key = dataset_name(str(rec["Kind"]), str(rec["Resource"]), catalog)
        version = rec.get("Version") or rec.get("Digest") or rec.get("Etag")
        datasets[str(rec["Direction"])].setdefault(key, version)

    def dataset_facets(version: str | None) -> dict[str, Any]:
        if not version:
            return {}
        return {"version": dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=str(version), producer=PRODUCER)}  # fmt: skip

    events = []
    run_id = run_uuid(str(run["Id"]))
    phases = set(phases)
    if "start" in phases and run.get("StartedOn") is not None:
        events.append(
            RunEvent(
                eventType=EventType.START,
                eventTime=_time(run["StartedOn"]),
                run=Run(runId=run_id, facets=dict(facets)),
                job=job,
                producer=PRODUCER,
            )
        )
    state = str(run.get("State") or "")
    if "end" in phases and state in END_TYPES and run.get("CompletedOn") is not None:
        end_facets = dict(facets)
        if END_TYPES[state] == "FAIL" and run.get("ErrorMessage"):
            end_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=str(run["ErrorMessage"]), programmingLanguage="python", producer=PRODUCER
            )
        events.append(
            RunEvent(
                eventType=getattr(EventType, END_TYPES[state]),
                eventTime=_time(run["CompletedOn"]),
                run=Run(runId=run_id, facets=end_facets),
                job=job,
                inputs=[
                    InputDataset(namespace=n, name=m, facets=dataset_facets(v))
                    for (n, m), v in datasets["read"].items()
                ],
                outputs=[
                    OutputDataset(namespace=n, name=m, facets=dataset_facets(v))
                    for (n, m), v in datasets["write"].items()
                ],
                producer=PRODUCER,
            )
        )
    return events


def to_json(event: Any) -> str:
    """An event as the JSON the spec defines (no nulls)."""
    from openlineage.client.serde import Serde

    return str(Serde.to_json(event))


def answer_events(answer: Mapping[str, Any], phases: Iterable[str] = ("start", "end")) -> list[Any]:
    """The events of every run of a GetLineage answer, oldest first."""
    from glue_nb.lineage.graph import decode

    answer = decode(answer)
    runs = [dict(zip(answer["Runs"]["Columns"], r, strict=True)) for r in answer["Runs"]["Rows"]]
    cols = answer["Records"]["Columns"]
    by_run: dict[str, list[dict[str, Any]]] = {}
    for row in answer["Records"]["Rows"]:
        rec = dict(zip(cols, row, strict=True))
        by_run.setdefault(rec["RunId"], []).append(rec)
    events: list[Any] = []
    for run in sorted(runs, key=lambda r: r.get("StartedOn") or 0):
        events += build_events(run, by_run.get(run["Id"], []), phases=phases)
    return events


def write_events(events: Iterable[Any], path: str | os.PathLike[str]) -> int:
    """Append events to a file as JSON lines; → how many."""
    lines = [to_json(e) for e in events]
    with open(path, "a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    return len(lines)


# -- live emission ---------------------------------------------------------------------------------
def _store_events(store: Store, key: str, phase: str) -> list[Any]:
    """The event of one phase of a job run or crawl, read from the store."""
    rows = queries.runs(store, [key])
    if key not in rows:
        return []
    from glue_nb.lineage.graph import RUN_COLUMNS

    run = dict(zip(RUN_COLUMNS, rows[key], strict=True))
    records = []
    if phase == "end":
        for r in queries.records_of_runs(store, [key]):
            records.append({"Direction": r[2], "Kind": r[3], "Resource": r[4], "Digest": r[7],
                            "Etag": r[8], "Version": r[9]})  # fmt: skip
    return build_events(run, records, phases=(phase,))


class _Sender(threading.Thread):
    """Sends events in the background, in order."""

    def __init__(self) -> None:
        super().__init__(name="glue-nb-openlineage", daemon=True)
        self.jobs: queue.Queue[tuple[Store, str, str] | None] = queue.Queue()
        self.lock = threading.Lock()
        self.transport: Any = None
        self.transport_url: str | None = None

    def run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is not None:
                    self.send(*job)
            except Exception:
                log.exception("OpenLineage: sending the events of %s failed", job and job[1])
            finally:
                self.jobs.task_done()

    def send(self, store: Store, key: str, phase: str) -> None:
        events = _store_events(store, key, phase)
        path = os.environ.get(FILE_ENV)
        if path:
            write_events(events, path)
        url = os.environ.get(URL_ENV)
        if url:
            transport = self._transport(url)
            for event in events:
                transport.emit(event)

    def _transport(self, url: str) -> Any:
        if self.transport is None or self.transport_url != url:
            from openlineage.client.transport.http import HttpConfig, HttpTransport

            parts = urlsplit(url)
            base = f"{parts.scheme}://{parts.netloc}"
            endpoint = parts.path.strip("/") or "api/v1/lineage"
            self.transport = HttpTransport(HttpConfig(url=base, endpoint=endpoint, timeout=5.0))
            self.transport_url = url
        return self.transport


_sender: _Sender | None = None
_sender_lock = threading.Lock()


def notify(store: Store, key: str, phase: str) -> None:
    """Emit the ``phase`` (``start`` or ``end``) event of job run or crawl ``key`` in the
    background, when live emission is configured (call it once the phase has committed)."""
    global _sender
    if not configured():
        return
    with _sender_lock:
        if _sender is None or not _sender.is_alive():
            _sender = _Sender()
            _sender.start()
            atexit.register(flush)
    _sender.jobs.put((store, key, phase))


def flush(timeout: float = 10.0) -> bool:
    """Wait (up to ``timeout`` s) until every event asked for has been sent; → whether all were."""
    sender = _sender
    if sender is None:
        return True
    done = threading.Event()

    def wait() -> None:
        sender.jobs.join()
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    return done.wait(timeout)


def events_json(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Events as JSON objects (what a collector receives)."""
    return [json.loads(to_json(e)) for e in events]
