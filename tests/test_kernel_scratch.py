"""Temporary folders of kernels and jobs: named after their owner, removed once it is gone.

A driver killed with ``kill -9`` cannot remove its kernels' socket folders and connection files
or its jobs' folders; the next process that starts a kernel pool or a kernel removes them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import conftest
import psutil
import pytest

from glue_nb.kernels import launch, scratch


def test_names_carry_the_owner(tmp_path: Path) -> None:
    path = scratch.make_dir("k", str(tmp_path))
    kind, owner = scratch.owner_of(os.path.basename(path)) or ("?", None)
    assert kind == "k" and owner is not None
    assert owner.pid == os.getpid()
    assert abs(owner.start - psutil.Process().create_time()) <= 1
    assert oct(os.stat(path).st_mode & 0o777) == "0o700"
    assert len(os.path.basename(path)) <= 40  # socket paths must stay short
    assert scratch.owner_of("gnb-abcd1234") is None  # not ours to judge
    assert scratch.owner_of("tmp0oh6yi5x.json") is None
    with pytest.raises(ValueError, match="unknown scratch kind 'x'; valid: k, j"):
        scratch.make_dir("x", str(tmp_path))


def test_a_long_temporary_folder_still_gets_short_socket_paths(tmp_path, monkeypatch) -> None:
    long = tmp_path / ("d" * (launch.SOCKET_DIR_MAX - len(str(tmp_path)) - 10))
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    path = launch.kernel_dir()
    try:
        assert len(path) <= launch.SOCKET_DIR_MAX and Path(path).parent == Path("/tmp")
    finally:
        os.rmdir(path)


def test_only_folders_of_ended_owners_are_swept(tmp_path: Path) -> None:
    me = scratch.current_owner()
    mine = Path(scratch.make_dir("j", str(tmp_path)))
    (mine / "run_properties.json").write_text("{}")

    def entry(owner: scratch.Owner, kind: str = "k") -> Path:
        path = tmp_path / f"gnb-{kind}-{owner.tag}-abc_123"
        path.mkdir()
        (path / "k-1").write_text("")
        return path

    # this process's pid, started an hour earlier: a process that ended, its pid since reused
    reused = entry(scratch.Owner(me.pid, me.start - 3600, me.namespace))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = entry(scratch.Owner(int(ended.stdout), me.start, me.namespace), "j")
    other_ns = entry(scratch.Owner(int(ended.stdout), me.start, (me.namespace or 0) + 1))
    unknown = tmp_path / "gnb-12345678"
    unknown.mkdir()

    removed = scratch.sweep(str(tmp_path))
    assert sorted(removed) == sorted([str(reused), str(dead)])
    assert mine.exists() and other_ns.exists() and unknown.exists()


_DRIVER = textwrap.dedent(
    """
    import sys, time
    from glue_nb.executors import get_executor
    from glue_nb.executors.base import Task
    from glue_nb.jobs.spec import JobSpec

    notebook, out = sys.argv[1], sys.argv[2]
    executor = get_executor("local")
    for i in range(3):
        spec = JobSpec(f"jr_{i:064x}", f"job{i}", notebook, {"--label": f"{out}/started-{i}"},
                       f"{out}/job{i}.ipynb")
        executor.submit(Task("notebook", spec.job_run_id, spec))
    time.sleep(600)
    """
)

_NOTEBOOK = [
    'label = "default"',
    "import pathlib, time\npathlib.Path(label).write_text('yes')\ntime.sleep(60)",
]


def _entries(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temporary folder with a short path (pytest's are too long for sockets: /tmp is used)."""
    path = Path(tempfile.mkdtemp(prefix="gnbt-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.kernel
def test_a_killed_driver_leaves_nothing_after_the_next_start(
    tmp_path: Path, short_tmp: Path
) -> None:
    """Fault 10: a driver killed with SIGKILL mid-run left ~10 entries (socket folders, kernel
    connection files, job folders) that nothing removed. Now the next process that creates a
    kernel pool removes every one of them, and only those of processes that have ended."""
    tmp = short_tmp
    runtime, out = tmp_path / "runtime", tmp_path / "out"
    for folder in (runtime, out):
        folder.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "JUPYTER_RUNTIME_DIR": str(runtime),
           "GLUE_NB_KERNEL_POOL": "2"}  # fmt: skip
    live = Path(scratch.make_dir("j", str(tmp)))  # a live process's folder: never swept
    notebook = conftest.write_notebook(tmp_path / "sleep.ipynb", _NOTEBOOK)
    driver = subprocess.Popen([sys.executable, "-c", _DRIVER, str(notebook), str(out)], env=env)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("started-*"))) < 3:  # three jobs are running their cells
            assert driver.poll() is None, "the driver died on its own"
            assert time.monotonic() < deadline, _entries(tmp)
            time.sleep(0.1)
        kernels = [p.pid for p in psutil.Process(driver.pid).children(recursive=True)]
        driver.send_signal(signal.SIGKILL)
        driver.wait(30)
    finally:
        if driver.poll() is None:
            driver.kill()
    left = [n for n in _entries(tmp) if n != live.name]
    owners = {scratch.owner_of(n)[1].pid if scratch.owner_of(n) else None for n in left}
    kinds = [scratch.owner_of(n)[0] for n in left if scratch.owner_of(n)]
    assert owners == {driver.pid}, f"left behind, not all named after the driver: {left}"
    assert kinds.count("j") == 3 and kinds.count("k") >= 3, left
    assert _entries(runtime) == []  # connection files live in the kernels' own folders

    code = "from glue_nb.kernels.pool import KernelPool; KernelPool(size=0).close()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert _entries(tmp) == [live.name], "the next start must remove what the killed driver left"
    conftest.wait_for(lambda: all(map(conftest.gone, kernels)), 10, "the driver's kernels to end")


def test_the_sweep_runs_once_per_process(tmp_path: Path) -> None:
    assert scratch.sweep_once(str(tmp_path)) == []
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    me = scratch.current_owner()
    late = tmp_path / f"gnb-j-{scratch.Owner(int(ended.stdout), me.start, me.namespace).tag}-x"
    late.mkdir()
    assert scratch.sweep_once(str(tmp_path)) == []  # swept already in this process
    assert late.exists()
    child = (
        "import json; from glue_nb.kernels import scratch; "
        f"print(json.dumps(scratch.sweep_once({str(tmp_path)!r})))"
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True)
    assert json.loads(done.stdout) == [str(late)]  # another process sweeps it
