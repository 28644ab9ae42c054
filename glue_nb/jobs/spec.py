"""Self-contained job specs and results: what crosses from the engine to an executor and back.

Both are plain, picklable dataclasses holding only strings, numbers and dicts, so a spec can be
run on a Dask worker on another host that has no access to the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["JobResult", "JobSpec"]


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to run one notebook job run."""

    job_run_id: str
    job_name: str
    notebook: str  # local path or URL of the .ipynb
    arguments: dict[str, str]  # merged Glue arguments (keys may start with --)
    output_path: str  # where the executed notebook goes (path or URL)
    log_path: str | None = None  # prefix for .stdout.txt / .stderr.txt (local paths only)
    workflow_name: str | None = None
    workflow_run_id: str | None = None
    attempt: int = 0
    timeout_seconds: float | None = None
    kernel_name: str | None = None
    cwd: str | None = None  # the kernel's working directory (default: the notebook's folder)
    run_properties: dict[str, str] = field(default_factory=dict)
    home: str | None = None  # the glue-nb home of the run (for glue_nb.client() in the job)
    #: the job bookmark (glue_nb.bookmarks.spec_bookmark): {"option", "seen"?, "upto"?}
    bookmark: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class JobResult:
    """How one job run ended."""

    job_run_id: str
    state: str  # SUCCEEDED | FAILED | TIMEOUT | STOPPED
    started_on: float
    completed_on: float
    error_message: str | None = None
    error_detail: dict[str, Any] | None = None  # ename, evalue, traceback, cell_index
    output_location: str | None = None
    log_location: str | None = None
    property_updates: dict[str, str] = field(default_factory=dict)
    executor: str | None = None  # e.g. "local" or "dask:tcp://10.0.0.5:40123"
    #: the files runtime.bookmark handed out: {"option", "files": {location: [source, mtime_ns,
    #: size]}} (None when the bookmark is disabled)
    bookmark: dict[str, Any] | None = None
    #: what the run read and wrote, its packages and kernel (glue_nb.reuse.trace), when it
    #: SUCCEEDED; its "static" part: code cells, typed parameters, kernel
    trace: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
