"""The warm kernel pool: ready kernels, one job each, bounded, gone with the process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import conftest
import nbformat
import psutil
import pytest

from glue_nb.jobs.notebook import execute_notebook_job
from glue_nb.jobs.spec import JobSpec
from glue_nb.kernels import pool as pool_mod
from glue_nb.kernels.connect import preconnect
from glue_nb.kernels.launch import destroy_kernel, start_kernel
from glue_nb.kernels.pool import KernelPool, default_pool, pool_size_from_env
from glue_nb.kernels.zygotes import fork_from_env

pytestmark = pytest.mark.kernel


def write_notebook(path: Path, *cells: str, params: str = "x = 1") -> Path:
    return conftest.write_notebook(path, [params, *cells])


def spec_for(tmp_path: Path, notebook: Path, n: int = 0, **extra: object) -> JobSpec:
    return JobSpec(
        job_run_id=f"jr_{n:064x}",
        job_name="job",
        notebook=str(notebook),
        arguments=dict(extra.pop("arguments", {"--x": "3"})),  # type: ignore[call-overload]
        output_path=str(tmp_path / "out" / f"run{n}.ipynb"),
        log_path=str(tmp_path / "out" / f"run{n}"),
        **extra,  # type: ignore[arg-type]
    )


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p) and _not_zombie(p)]
        time.sleep(0.1)
    return alive


def _not_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def pool():
    p = KernelPool(size=2, min_available_memory=0)
    yield p
    pids = p.kernel_pids()
    p.close()
    assert not wait_gone(pids, 5), "the pool left kernels running"


def wait_idle(p: KernelPool, n: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while p.stats()["idle"] < n:
        assert time.monotonic() < deadline, p.stats()
        time.sleep(0.05)


def test_size_from_env(monkeypatch):
    monkeypatch.setenv("GLUE_NB_KERNEL_POOL", "0")
    assert pool_size_from_env() == 0
    assert default_pool() is None
    monkeypatch.setenv("GLUE_NB_KERNEL_POOL", "off")
    assert pool_size_from_env() == 0
    monkeypatch.setenv("GLUE_NB_KERNEL_POOL", "3")
    assert pool_size_from_env() == 3
    monkeypatch.delenv("GLUE_NB_KERNEL_POOL")
    assert pool_size_from_env() >= 2


def test_warms_lazily_then_serves_ready_kernels_once(pool):
    assert pool.stats()["started"] == 0  # nothing until asked
    pool.warm("python3")
    wait_idle(pool, 2)
    running = set(pool.kernel_pids())
    km = pool.acquire("python3")
    assert km.provisioner.process.pid in running, "not one of the kernels already running"
    assert km.provisioner.process.poll() is None
    assert km._glue_nb_kc is not None  # pre-connected
    pid = km.provisioner.process.pid
    km2 = pool.acquire("python3")
    assert km2.provisioner.process.pid != pid
    pool.release(km)
    pool.release(km2)
    assert not wait_gone([pid], 5)
    assert pool.stats()["hits"] == 2
    wait_idle(pool, 2)  # topped up again, never above size
    assert pool.stats()["idle"] == 2


def test_preconnect_on_a_cold_kernel_answers_kernel_info():
    km = start_kernel("python3", None)
    try:
        kc, reply = preconnect(km, timeout=30)
        assert reply["content"]["language_info"]["name"] == "python"
        kc.stop_channels()
    finally:
        destroy_kernel(km)


def test_jobs_on_pooled_kernels_match_cold_ones(tmp_path, pool):
    sub = tmp_path / "project"
    sub.mkdir()
    (sub / "helper.py").write_text("VALUE = 41\n")
    nb = write_notebook(
        sub / "job.ipynb",
        "import os, helper\nfrom glue_nb import runtime\n"
        "runtime.put_run_properties(cwd=os.getcwd(), y=x + helper.VALUE)",
        "print('done', x)",
    )
    cold = execute_notebook_job(spec_for(tmp_path, nb, 1))
    warm = execute_notebook_job(spec_for(tmp_path, nb, 2), kernel_factory=pool)
    again = execute_notebook_job(spec_for(tmp_path, nb, 3), kernel_factory=pool)
    for result in (cold, warm, again):
        assert result.state == "SUCCEEDED", result.error_message
        assert result.property_updates == {"cwd": str(sub), "y": "44"}
    assert (tmp_path / "out" / "run2.stdout.txt").read_text() == "done 3\n"
    out = nbformat.read(tmp_path / "out" / "run2.ipynb", as_version=4)
    assert out.metadata["language_info"]["name"] == "python"
    assert [c.get("execution_count") for c in out.cells] == [1, 2, 3, 4, 5]


def test_errors_are_the_same_on_a_pooled_kernel(tmp_path, pool):
    nb = write_notebook(tmp_path / "bad.ipynb", "raise ValueError('boom')")
    cold = execute_notebook_job(spec_for(tmp_path, nb, 1))
    warm = execute_notebook_job(spec_for(tmp_path, nb, 2), kernel_factory=pool)
    assert cold.state == warm.state == "FAILED"
    assert cold.error_message == warm.error_message == "ValueError: boom (Cell In[4])"


def test_each_kernel_runs_one_job(tmp_path, pool):
    nb = write_notebook(
        tmp_path / "pid.ipynb",
        "import os\nfrom glue_nb import runtime\n"
        "runtime.put_run_properties(pid=os.getpid(), seen=globals().get('marker', 'no'))\n"
        "marker = 'yes'",
    )
    results = [
        execute_notebook_job(spec_for(tmp_path, nb, i), kernel_factory=pool) for i in range(4)
    ]
    pids = [int(r.property_updates["pid"]) for r in results]
    assert len(set(pids)) == 4
    assert all(r.property_updates["seen"] == "no" for r in results)
    assert not wait_gone(pids, 5), "kernels that ran a job must be shut down"


def test_stop_kills_the_pooled_kernel(tmp_path, pool):
    nb = write_notebook(
        tmp_path / "slow.ipynb",
        "import os, pathlib\npathlib.Path(os.environ['PID_FILE']).write_text(str(os.getpid()))",
        "import time\ntime.sleep(60)",
        params="x = 1",
    )
    pid_file = tmp_path / "pid.txt"
    os.environ["PID_FILE"] = str(pid_file)  # pooled kernels inherit the env at their start
    try:
        pool.expire_idle(0)
        stop_at = time.monotonic() + 1e9

        def should_stop() -> bool:
            nonlocal stop_at
            if pid_file.exists() and stop_at > time.monotonic() + 1:
                stop_at = time.monotonic() + 0.5
            return time.monotonic() >= stop_at

        t = time.monotonic()
        result = execute_notebook_job(spec_for(tmp_path, nb), should_stop, kernel_factory=pool)
    finally:
        del os.environ["PID_FILE"]
    assert result.state == "STOPPED"
    assert time.monotonic() - t < 20
    assert not wait_gone([int(pid_file.read_text())], 5)


def test_a_dead_idle_kernel_is_skipped(pool):
    pool.warm("python3")
    wait_idle(pool, 2)
    victim = pool._state.ready["python3"][0].km.provisioner.process.pid
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.2)
    km = pool.acquire("python3")
    try:
        assert km.provisioner.process.pid != victim
        assert km.provisioner.process.poll() is None
    finally:
        pool.release(km)


def test_memory_bound_stops_warming():
    with KernelPool(size=2, min_available_memory=1 << 60) as p:
        km = p.acquire("python3")  # a job still gets a kernel: started on demand
        try:
            assert p.stats()["started"] == 1
            time.sleep(0.3)
            assert p.stats()["warming"] == 0 and p.stats()["idle"] == 0
        finally:
            p.release(km)


def test_unknown_kernelspec_fails_the_job_and_backs_off(tmp_path, pool):
    nb = write_notebook(tmp_path / "nb.ipynb", "pass")
    result = execute_notebook_job(
        spec_for(tmp_path, nb, kernel_name="no-such-kernel"), kernel_factory=pool
    )
    assert result.state == "FAILED"
    assert "KernelStartError" in (result.error_message or "")
    assert "no-such-kernel" in (result.error_message or "")
    deadline = time.monotonic() + 30
    while pool.stats()["warming"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    started = pool.stats()["started"]
    pool.warm("no-such-kernel")  # within the back-off: no new attempts
    assert pool.stats()["started"] == started


def test_idle_kernels_expire(pool):
    pool.warm("python3")
    wait_idle(pool, 2)
    pids = pool.kernel_pids()
    assert pool.expire_idle(0) == 2
    assert pool.stats()["idle"] == 0
    assert not wait_gone(pids, 5)


def test_close_shuts_everything_down():
    p = KernelPool(size=2, min_available_memory=0)
    p.warm("python3")
    wait_idle(p, 2)
    km = p.acquire("python3")  # handed out and never released
    pids = p.kernel_pids()
    assert km.provisioner.process.pid in pids and len(pids) >= 2
    p.close()
    assert not wait_gone(pids, 5)
    with pytest.raises(RuntimeError, match="closed"):
        p.acquire("python3")


_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from glue_nb.kernels.pool import KernelPool
    pool = KernelPool(size=2, min_available_memory=0)
    pool.warm("python3")
    while pool.stats()["idle"] < 2:
        time.sleep(0.05)
    held = pool.acquire("python3")
    while pool.stats()["live"] < 3:  # the replacement kernel has started
        time.sleep(0.05)
    print(json.dumps(pool.kernel_pids() + pool.helper_pids()), flush=True)
    if sys.argv[1] == "exit":
        sys.exit(0)
    time.sleep(600)
    """
)


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_no_stray_kernels_after_the_process_ends(how):
    """A normal exit shuts kernels down at once; after SIGKILL they notice their parent is gone
    (ipykernel's parent poller, ``JPY_PARENT_PID``) and exit within a few seconds."""
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, how], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        pids = json.loads(line)
        assert len(pids) == (4 if fork_from_env() else 3)  # 3 kernels (+ the zygote)
        if how == "sigkill":
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        left = wait_gone(pids, 1 if how == "exit" else 6)
        assert not left, f"kernels left running after {how}: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_default_pool_is_per_process(monkeypatch):
    monkeypatch.setattr(pool_mod, "_default", None)  # not the one an earlier kernel test made
    monkeypatch.setenv("GLUE_NB_KERNEL_POOL", "2")
    p = default_pool()
    assert p is not None and p is default_pool() and p.size == 2
    monkeypatch.setattr(p, "pid", -1)  # as after a fork
    q = default_pool()
    assert q is not p
    q.close()
    p.close()


def test_per_job_time_with_and_without_the_pool(tmp_path, pool):
    """Measured, not asserted: wall time of a trivial job, cold kernel vs pooled kernel."""
    nb = write_notebook(tmp_path / "t.ipynb", "y = x + 1")
    execute_notebook_job(spec_for(tmp_path, nb, 0))  # imports
    cold, warm = [], []
    for i in range(3):
        t = time.perf_counter()
        assert execute_notebook_job(spec_for(tmp_path, nb, 10 + i)).state == "SUCCEEDED"
        cold.append(time.perf_counter() - t)
        wait_idle(pool, 1) if pool.stats()["started"] else pool.warm("python3")
        wait_idle(pool, 1)
        t = time.perf_counter()
        r = execute_notebook_job(spec_for(tmp_path, nb, 20 + i), kernel_factory=pool)
        warm.append(time.perf_counter() - t)
        assert r.state == "SUCCEEDED"
    print(f"\nper job: cold {sorted(cold)[1]:.3f} s, pooled {sorted(warm)[1]:.3f} s (median of 3)")


@pytest.mark.skipif(not fork_from_env(), reason="kernels are forked on Linux only")
def test_forked_kernels_are_fresh_kernels_of_their_own(tmp_path):
    nb = write_notebook(
        tmp_path / "probe.ipynb",
        "import os, sys\nfrom glue_nb import runtime\nfrom ipykernel.kernelapp import IPKernelApp\n"
        "app = IPKernelApp.instance()\n"
        "runtime.put_run_properties(pid=os.getpid(), ppid=os.getppid(),\n"
        "    parent=os.environ['JPY_PARENT_PID'], poller=app.poller is not None,\n"
        "    probe=os.environ.get('GLUE_NB_PROBE', '-'), path=repr(sys.path), n=len(dir()),\n"
        "    mine=sorted(m for m in sys.modules if m.startswith('glue_nb')))",
    )
    os.environ["GLUE_NB_PROBE"] = "seen"
    try:
        with KernelPool(size=1, min_available_memory=0, fork=True) as p:
            forked = execute_notebook_job(spec_for(tmp_path, nb, 1), kernel_factory=p)
            [zygote] = p.helper_pids()
        with KernelPool(size=1, min_available_memory=0, fork=False) as p:
            spawned = execute_notebook_job(spec_for(tmp_path, nb, 2), kernel_factory=p)
            assert p.helper_pids() == []
    finally:
        del os.environ["GLUE_NB_PROBE"]
    f, s = forked.property_updates, spawned.property_updates
    assert forked.state == spawned.state == "SUCCEEDED"
    assert int(f["ppid"]) == int(f["parent"]) == zygote  # forked by the zygote, watching it
    assert int(s["ppid"]) == int(s["parent"]) == os.getpid()
    assert f["poller"] == s["poller"] == "true"  # exits if its parent dies (JSON)
    assert f["probe"] == s["probe"] == "seen"  # the environment at its start
    assert f["n"] == s["n"]  # the same fresh namespace
    assert f["path"] == s["path"]
    # typed run properties travel as JSON; the fork server itself loads no glue-nb module (the
    # context cell loads the recorder of what the job reads and writes, standard library only)
    mine = ["glue_nb", "glue_nb.reuse", "glue_nb.reuse.recorder", "glue_nb.runtime"]
    assert f["mine"] == s["mine"] == json.dumps(mine)


@pytest.mark.skipif(not fork_from_env(), reason="kernels are forked on Linux only")
def test_a_dead_zygote_is_replaced(pool):
    pool.warm("python3")
    wait_idle(pool, 2)
    [zygote] = pool.helper_pids()
    orphans = pool.kernel_pids()
    os.kill(zygote, signal.SIGKILL)
    assert not wait_gone(orphans, 5), "kernels of a dead zygote exit (parent poller)"
    km = pool.acquire("python3")  # the idle kernels died: a new zygote forks a new one
    try:
        assert km.provisioner.process.poll() is None
        assert pool.helper_pids() and pool.helper_pids() != [zygote]
    finally:
        pool.release(km)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork server needs os.fork")
@pytest.mark.parametrize("how", ["path", "module"])
def test_the_fork_server_runs_by_path_and_as_a_module(how):
    """The pool runs the fork server by path (the kernelspec's python needs ipykernel, not
    glue-nb); ``python -m glue_nb.kernels.forkserver`` works as well. It answers ready, and
    exits when its stdin closes."""
    from glue_nb.kernels import forkserver, zygotes

    read, write = os.pipe()
    target = [zygotes.SERVER] if how == "path" else ["-m", "glue_nb.kernels.forkserver"]
    server = subprocess.Popen(
        [sys.executable, *target, str(write)], stdin=subprocess.PIPE, pass_fds=(write,)
    )
    os.close(write)
    try:
        with os.fdopen(read, "rb") as answers:
            assert json.loads(answers.readline()) == {"ready": server.pid}
            assert server.stdin is not None
            server.stdin.close()
            assert server.wait(10) == 0
    finally:
        if server.poll() is None:
            server.kill()
    usage = subprocess.run([sys.executable, forkserver.__file__], capture_output=True, text=True)
    assert usage.returncode == 1 and "usage: forkserver.py <file descriptor" in usage.stderr


def test_a_client_whose_channel_fails_to_stop_still_closes_its_sockets() -> None:
    """A kernel client's zmq context is destroyed even when stopping a channel raises: a context
    left to the garbage collector with open sockets blocks the collecting thread for good."""
    import zmq

    from glue_nb.kernels.connect import close_client

    class Channel:
        def is_alive(self) -> bool:
            return True

        def stop(self) -> None:
            raise RuntimeError("Event loop is closed")

    class Client:
        _created_context = True

        def __init__(self) -> None:
            self.context = zmq.Context()
            self.socket = self.context.socket(zmq.DEALER)
            self.socket.connect("tcp://127.0.0.1:9")  # a peer that never answers
            self.socket.send(b"pending")  # a message that can never leave
            self._shell_channel = Channel()

    kc = Client()
    close_client(kc)
    assert kc.context.closed and kc.socket.closed


def test_prewarm_starts_the_kernels_of_a_run_about_to_start(
    pool: KernelPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``prewarm`` (what ``Workflow.start`` calls) fills the pool for the notebooks' kernel,
    reading each notebook once however many jobs share it."""
    from glue_nb.executors import tasks

    nb = tmp_path / "job.ipynb"
    conftest.write_notebook(nb, ["x = 1"])
    monkeypatch.setattr(pool_mod, "default_pool", lambda size=None: pool)
    read: list[str] = []
    kernelspec_of = tasks._kernelspec_of
    monkeypatch.setattr(tasks, "_kernelspec_of", lambda p: read.append(p) or kernelspec_of(p))
    tasks.prewarm([(str(nb), None)] * 20)
    assert read == [str(nb)]
    wait_idle(pool, 2)  # the pool's size, warm before any job asked
    assert pool.stats()["waits"] == 0
