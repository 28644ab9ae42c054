"""The Glue API's costs: in-process calls, a server's throughput and latency, and a chain-20
started through a warm server against Ploomber's whole process.

    python benchmarks/bench_endpoint.py [--reps 5] [--calls 200] [--skip-chain]

1. In-process cost per call (median of ``--calls``) of ``glue_nb.client()`` (botocore's Glue
   client answered in-process), of its ``.nb`` (glue-nb's own API) and of the client this
   replaced (glue_nb/client.py at commit 0b9f104, loaded from git), on ``get_workflow`` (small
   answer) and ``get_workflow_run`` with the graph of a 100-node run (the largest answer).
2. ``glue-nb serve`` on a free port: calls per second from 8 concurrent boto3 clients (each in
   its own thread, ``get_workflow``), and the latency of one call (median, p95).
3. chain-20 of trivial notebooks: a whole client process against a warm server, median of
   ``--reps``: with boto3 (define the workflow in 41 calls, start it, poll every 20 ms until it
   ends), with a minimal JSON 1.1 client (the same calls by hand), and with glue-nb's own client
   (the fluent API after ``glue_nb.connect``: one ApplyWorkflow, then WaitForWorkflowRun); and
   Ploomber 0.23.3's whole process on the same notebooks, timed as in bench_peers.py (its
   virtualenv is made on first use). Goal: glue-nb at most 0.05x Ploomber.

Prints medians, ratios, the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import serve  # noqa: E402

import glue_nb  # noqa: E402
from glue_nb.executors.instant import InstantExecutor  # noqa: E402

NOTEBOOK = ROOT / "tests" / "notebooks" / "job.ipynb"
ROLE = "arn:aws:iam::123456789012:role/Bench"
OLD_COMMIT = "0b9f104"


def machine() -> str:
    cpu = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    load = os.getloadavg()[0]
    return (
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPU "
        f"({cpu or platform.processor()}), Python {platform.python_version()}, "
        f"load average {load:.1f}"
    )


def timed(fn: Any, n: int) -> tuple[float, float]:
    """(median, p95) seconds of ``n`` calls."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def old_client(home: Path) -> Any:
    """The client this replaced, from git (None when git or the commit is not there)."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{OLD_COMMIT}:glue_nb/client.py"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("glue_nb_old_client", loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    exec(compile(source, "old_client.py", "exec"), module.__dict__)
    return module.GlueClient(home)


def hundred_node_run(home: Path) -> tuple[Any, str]:
    """A finished run of a 100-node chain (50 jobs, 50 triggers), made in-process."""
    glue = glue_nb.client(home)
    glue.create_workflow(Name="big")
    cmd = {"Name": "notebook", "ScriptLocation": str(NOTEBOOK)}
    for i in range(50):
        glue.create_job(Name=f"j{i}", Role=ROLE, Command=cmd)
    glue.create_trigger(Name="t0", WorkflowName="big", Type="ON_DEMAND",
                        Actions=[{"JobName": "j0"}])  # fmt: skip
    for i in range(1, 50):
        glue.create_trigger(
            Name=f"t{i}", WorkflowName="big", Type="CONDITIONAL", StartOnCreation=True,
            Predicate={"Conditions": [{"LogicalOperator": "EQUALS", "JobName": f"j{i - 1}",
                                       "State": "SUCCEEDED"}]},
            Actions=[{"JobName": f"j{i}"}],
        )  # fmt: skip
    run_id = glue.nb.start_workflow_run(Name="big", Executor=InstantExecutor())["RunId"]
    while glue.get_workflow_run(Name="big", RunId=run_id)["Run"]["Status"] == "RUNNING":
        time.sleep(0.05)
    return glue, run_id


def in_process(calls: int) -> list[str]:
    home = Path(tempfile.mkdtemp(prefix="bench-endpoint-"))
    glue, run_id = hundred_node_run(home)
    old = old_client(home)
    nodes = len(glue.get_workflow_run(Name="big", RunId=run_id, IncludeGraph=True)["Run"]
                ["Graph"]["Nodes"])  # fmt: skip
    rows = ["| call | old client | glue_nb.client() | ratio | client.nb | ratio |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    cases = {
        "get_workflow (no graph)": lambda c: c.get_workflow(Name="big"),
        f"get_workflow_run, graph of {nodes} nodes": lambda c: c.get_workflow_run(
            Name="big", RunId=run_id, IncludeGraph=True
        ),
        "list_workflows": lambda c: c.list_workflows(),
    }
    clients = {"old": old, "new": glue, "nb": glue.nb}
    for label, call in cases.items():
        # interleaved (old, new, nb, old, ...): a shared machine's load hits all three alike
        times: dict[str, list[float]] = {k: [] for k, c in clients.items() if c is not None}
        for _ in range(calls):
            for key in times:
                t = time.perf_counter()
                call(clients[key])
                times[key].append(time.perf_counter() - t)
        med = {k: statistics.median(v) for k, v in times.items()}
        before = med.get("old", float("nan"))
        rows.append(
            f"| {label} | {before * 1e3:.2f} ms | {med['new'] * 1e3:.2f} ms | "
            f"{med['new'] / before:.1f}x | {med['nb'] * 1e3:.2f} ms | {med['nb'] / before:.1f}x |"
        )
    return rows


def start_server(home: Path, root: Path) -> tuple[subprocess.Popen[str], str]:
    process, url, _ = serve(home, root, "--root", str(root), "--root", str(NOTEBOOK.parent))
    return process, url


def boto(url: str) -> Any:
    import boto3

    return boto3.client("glue", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip


def throughput(url: str, seconds: float = 5.0, clients: int = 8) -> tuple[float, float, float]:
    """(calls per second from ``clients`` threads, median latency, p95) of get_workflow."""
    boto(url).create_workflow(Name="tp")
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        c = boto(url)
        c.get_workflow(Name="tp")  # connect first
        while time.monotonic() < stop:
            c.get_workflow(Name="tp")
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    rate = sum(counts) / (time.monotonic() - t)
    one = boto(url)
    median, p95 = timed(lambda: one.get_workflow(Name="tp"), 200)
    return rate, median, p95


CHAIN_CLIENT = r"""
import json, sys, time, boto3
url, spec_path, name = sys.argv[1], sys.argv[2], sys.argv[3]
spec = json.load(open(spec_path))
c = boto3.client("glue", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="bench", aws_secret_access_key="bench")
c.create_workflow(Name=name)
nodes = spec["nodes"]
for n in nodes:
    c.create_job(Name=f"{name}-{n['name']}", Role="r", DefaultArguments={"--x": str(n["x"])},
                 Command={"Name": "notebook", "ScriptLocation": n["notebook"]})
c.create_trigger(Name=f"{name}-start", WorkflowName=name, Type="ON_DEMAND",
                 Actions=[{"JobName": f"{name}-{nodes[0]['name']}"}])
for n in nodes[1:]:
    c.create_trigger(Name=f"{name}-after-{n['parents'][0]}", WorkflowName=name,
                     Type="CONDITIONAL", StartOnCreation=True,
                     Actions=[{"JobName": f"{name}-{n['name']}"}],
                     Predicate={"Conditions": [{"LogicalOperator": "EQUALS",
                                                "JobName": f"{name}-{n['parents'][0]}",
                                                "State": "SUCCEEDED"}]})
run = c.start_workflow_run(Name=name)["RunId"]
while True:
    r = c.get_workflow_run(Name=name, RunId=run)["Run"]
    if r["Status"] != "RUNNING":
        break
    time.sleep(0.02)
if r["Statistics"]["SucceededActions"] != len(nodes):
    sys.exit(f"run failed: {r}")
"""


RAW_CLIENT = CHAIN_CLIENT.replace(
    """import json, sys, time, boto3""",
    """import json, sys, time, urllib.request


class _Client:  # AWS JSON 1.1 by hand, as a small SDK does: POST /, X-Amz-Target, JSON
    def __init__(self, url):
        self.url = url

    def __getattr__(self, name):
        op = "".join(p.capitalize() for p in name.split("_"))

        def call(**params):
            req = urllib.request.Request(self.url + "/", data=json.dumps(params).encode(),
                                         method="POST", headers={
                "X-Amz-Target": "AWSGlue." + op,
                "Content-Type": "application/x-amz-json-1.1"})
            with urllib.request.urlopen(req) as resp:
                return json.loads(resp.read())

        return call


class boto3:
    @staticmethod
    def client(service, endpoint_url, **_):
        return _Client(endpoint_url)""",
)


GLUE_NB_CLIENT = r"""
import json, sys
import glue_nb as gn
url, spec_path, name = sys.argv[1], sys.argv[2], sys.argv[3]
spec = json.load(open(spec_path))
gn.connect(url, aws_access_key_id="bench", aws_secret_access_key="bench")
jobs = {n["name"]: gn.NotebookJob(f"{name}-{n['name']}", n["notebook"], parameters={"x": n["x"]})
        for n in spec["nodes"]}
wf = gn.Workflow(name)
wf.run(jobs[spec["nodes"][0]["name"]])
for n in spec["nodes"][1:]:
    wf.after(jobs[n["parents"][0]]).when_all_succeeded().run(jobs[n["name"]])
run = wf.start().wait(progress=False)  # one ApplyWorkflow, then WaitForWorkflowRun
if run.statistics["SucceededActions"] != len(jobs):
    sys.exit(f"run failed: {run.describe(graph=False)}")
"""


def chain_vs_ploomber(url: str, folder: Path, reps: int, ploomber: bool) -> list[str]:
    """chain-20 through the server (a whole boto3 client process, and a whole process of a
    minimal JSON 1.1 client) and Ploomber's whole process, alternating, after a warm-up."""
    import bench_peers

    scratch = folder.parent
    times: dict[str, list[float]] = {"boto3": [], "raw": [], "glue-nb": [], "Ploomber": []}
    argv, cwd, env = (
        bench_peers.command("Ploomber", folder, scratch) if ploomber else ([], folder, {})
    )
    for rep in range(reps + 1):
        for label, script in (
            ("boto3", CHAIN_CLIENT), ("raw", RAW_CLIENT), ("glue-nb", GLUE_NB_CLIENT)
        ):  # fmt: skip
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", script, url, str(folder / "dag.json"),
                            f"chain-{label}-{rep}"], check=True)  # fmt: skip
            if rep:
                times[label].append(time.perf_counter() - t)
        if ploomber:
            try:
                took = bench_peers.time_process(argv, cwd, env)
            except RuntimeError as exc:  # a kernel of Ploomber's died: say so, time it again
                print(f"(Ploomber run failed, run again: {str(exc).splitlines()[0]})")
                took = bench_peers.time_process(argv, cwd, env)
            if rep:
                times["Ploomber"].append(took)

    def show(xs: list[float]) -> str:
        return f"{statistics.median(xs):.2f} s (runs: {', '.join(f'{t:.2f}' for t in xs)})"

    ours, raw = statistics.median(times["boto3"]), statistics.median(times["raw"])
    fluent = statistics.median(times["glue-nb"])
    lines = [
        f"- glue-nb, a boto3 client process against a warm server: {show(times['boto3'])}",
        f"- glue-nb, a minimal JSON 1.1 client process (urllib): {show(times['raw'])}",
        f"- glue-nb, a glue-nb client process (fluent API, connect()): {show(times['glue-nb'])}",
    ]
    if ploomber:
        theirs = statistics.median(times["Ploomber"])
        lines += [
            f"- Ploomber 0.23.3 (parallel), whole process: {show(times['Ploomber'])}",
            f"- glue-nb / Ploomber: **{ours / theirs:.3f}x** with boto3, **{raw / theirs:.3f}x**"
            f" with the minimal client, **{fluent / theirs:.3f}x** with glue-nb's client "
            "(goal: at most 0.05x)",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--skip-chain", action="store_true")
    parser.add_argument("--skip-ploomber", action="store_true")
    args = parser.parse_args()
    print(f"# bench_endpoint.py: {machine()}\n")
    print("## In-process cost per call (median)\n")
    print("\n".join(in_process(args.calls)))
    root = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    folder = root / "chain-20"
    if not args.skip_chain:
        import bench_peers

        if not args.skip_ploomber:
            bench_peers.ensure_ploomber()
        folder = bench_peers.build(root, "chain-20")
    process, url = start_server(root / "home", root)
    try:
        rate, median, p95 = throughput(url)
        print("\n## glue-nb serve\n")
        print(f"- 8 concurrent boto3 clients, get_workflow: {rate:.0f} calls/s")
        print(f"- one client, get_workflow: median {median * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms")
        if not args.skip_chain:
            print(f"\n## chain-20, trivial notebooks (median of {args.reps})\n")
            print("\n".join(chain_vs_ploomber(url, folder, args.reps, not args.skip_ploomber)))
    finally:
        process.terminate()
        process.wait(60)
    print(f"\n(load average at the end: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
