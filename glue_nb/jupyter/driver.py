"""The process that drives a run started or resumed from JupyterLab (the Workflows panel, or a
view's Resume button answered by the server extension).

``python -m glue_nb.jupyter.driver HOME REQUEST_JSON`` starts or resumes the run, prints one JSON
line (``{"run_id": ...}`` or ``{"error": ...}``) and then drives the run to its end, as any script
that starts a run does. It owns the run: a stop from any process is acted on by it, and if it
dies the run is marked STOPPED by the next reader (and can be resumed).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(json.dumps({"error": "usage: python -m glue_nb.jupyter.driver HOME REQUEST_JSON"}))
        return 2
    home, request = argv[0], json.loads(argv[1])
    try:
        answer = _act(home, request)
    except Exception as exc:  # the caller shows the message
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    print(json.dumps(answer), flush=True)
    return 0  # the engine's exit hook waits for the run to end


def _act(home: str, request: dict[str, Any]) -> dict[str, Any]:
    import glue_nb

    client = glue_nb.client(home)
    action, workflow = request.get("action"), request.get("workflow", "")
    if action == "start":
        out = client.start_workflow_run(Name=workflow, RunProperties=request.get("properties"))
        return {"workflow": workflow, "run_id": out["RunId"]}
    if action == "resume":
        run = glue_nb.Run(client, workflow, request["run_id"])
        new = run.resume(request.get("nodes") or None)
        return {"workflow": workflow, "run_id": new.run_id, "previous_run_id": run.run_id}
    raise ValueError(f"unknown action {action!r}: expected 'start' or 'resume'")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
