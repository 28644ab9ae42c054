"""glue-nb's Jupyter Server extension without a browser: its service functions on a real store,
its routes in a real Jupyter server (authentication and XSRF as a user's server has them), and
the prebuilt JupyterLab extension being as new as its sources."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from jupyter_lab import running_lab

import glue_nb as gn
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.executors.instant import InstantExecutor
from glue_nb.jupyter import service
from glue_nb.views.live_state import notebook_link, notebook_location

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    nb = tmp_path / "job.ipynb"
    import conftest

    conftest.write_notebook(nb, ["seconds = 0.0", "pass"])
    a, b = gn.NotebookJob("a", nb), gn.NotebookJob("b", nb)
    wf = gn.Workflow("svc", home=tmp_path / "home").run(a).when_all_succeeded().run(b)
    wf.start(executor=InstantExecutor({"b": "FAILED"})).wait(timeout=30, progress=False)
    return tmp_path / "home"


def test_service_lists_views_and_refuses_bad_input(home: Path, tmp_path: Path) -> None:
    listed = service.workflows(str(home))
    assert [w["name"] for w in listed["workflows"]] == ["svc"]
    last = listed["workflows"][0]["runs"][0]
    assert last["status"] == "COMPLETED" and last["category"] == "failed" and last["resumable"]
    shown = service.view(str(home), "svc")  # the latest run
    assert shown["state"]["run_id"] == last["run_id"] and "<svg" in shown["svg"]
    assert shown["detail"]["html"] and "job b" in shown["detail"]["html"]  # the failed node
    node = shown["state"]["nodes"][0]["id"]
    assert service.detail(str(home), "svc", last["run_id"], node)["id"] == node
    with pytest.raises(EntityNotFoundException, match="no node 'nope'"):
        service.detail(str(home), "svc", last["run_id"], "nope")
    nowhere = tmp_path / "nowhere"
    assert service.workflows(str(nowhere)) == {
        "home": str(nowhere),
        "exists": False,
        "workflows": [],
    }
    assert not nowhere.exists()  # a look never creates a store
    design = service.design(str(home), "svc")["svg"]
    assert design.startswith("<svg") and 'id="' in design
    with pytest.raises(EntityNotFoundException, match="nope"):
        service.start(str(home), "nope")  # before any driver process starts


@pytest.mark.kernel
def test_resume_is_driven_by_a_driver_process(home: Path) -> None:
    old = service.runs(str(home), "svc")["runs"][0]["run_id"]
    answer = service.resume(str(home), "svc", old)
    assert answer["run_id"] != old and answer["previous_run_id"] == old
    new = gn.Run(gn.client(home), "svc", answer["run_id"])
    new.wait(timeout=120, progress=False)
    assert new.status == "COMPLETED" and new.succeeded  # b re-ran (in a real kernel) and passed
    with pytest.raises(InvalidInputException, match="no failed, timed-out or stopped nodes"):
        service.resume(str(home), "svc", new.run_id)


def test_notebook_links_round_trip() -> None:
    for where in ("/tmp/a b/.glue_nb/runs/x.ipynb", "s3://bucket/runs/x y.ipynb"):
        link = notebook_link(where)
        assert link is not None and " " not in link and notebook_location(link) == where
    with pytest.raises(ValueError, match="not a notebook link"):
        notebook_location("/tmp/x.ipynb")


def _get(url: str, **headers: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_routes_in_a_real_server(home: Path, tmp_path: Path) -> None:
    with running_lab(tmp_path / "lab", env={"GLUE_NB_HOME": str(home)}) as lab:
        api = f"{lab.url}/glue-nb/api"
        status, body = _get(f"{api}/status")
        assert status == 403 or status == 401, "no token: refused"
        auth = {"Authorization": f"token {lab.token}"}
        status, body = _get(f"{api}/status", **auth)
        assert status == 200 and json.loads(body)["home"] == str(home)
        status, body = _get(f"{api}/workflows", **auth)
        assert [w["name"] for w in json.loads(body)["workflows"]] == ["svc"]
        status, body = _get(f"{api}/view?workflow=nope", **auth)
        assert status == 404 and "nope" in json.loads(body)["message"]
        run = json.loads(_get(f"{api}/view?workflow=svc", **auth)[1])["state"]
        # pages wait for the store to change: nothing changed within 1 s, then a commit
        token = json.loads(_get(f"{api}/changes?wait=0", **auth)[1])["token"]
        status, body = _get(f"{api}/changes?since={token}&wait=1", **auth)
        assert status == 200 and json.loads(body) == {"token": token, "changed": False}
        gn.client(home).create_workflow(Name="another")
        answer = json.loads(_get(f"{api}/changes?since={token}&wait=20", **auth)[1])
        assert answer["changed"] and answer["token"] != token
        status, body = _get(f"{api}/changes?wait=forever", **auth)
        assert status == 400 and "wait must be a number" in json.loads(body)["message"]
        # a POST from a page without the XSRF token is refused (cookie auth, no token)
        req = urllib.request.Request(
            f"{api}/stop",
            data=json.dumps({"workflow": "svc", "run_id": run["run_id"]}).encode(),
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req)
        assert refused.value.code in (401, 403)
        # an executed notebook under a hidden folder, outside the Jupyter root
        import conftest

        path = str(conftest.write_notebook(home / ".runs" / "x.ipynb", ["seconds = 42"]))
        status, page = _get(f"{lab.url}/glue-nb/notebook?path={urllib.parse.quote(path)}", **auth)
        assert status == 200 and "seconds" in page and "42" in page
        status, page = _get(f"{lab.url}/glue-nb/notebook?path=/etc/passwd", **auth)
        assert status == 400 and "only .ipynb" in page


def test_the_prebuilt_jupyterlab_extension_is_as_new_as_its_sources() -> None:
    """The built extension is committed; rebuild it after changing its sources:
    ``cd labextension && npm install && npm run build``."""
    import labextension_hash

    built = labextension_hash.recorded()
    assert built is not None, "glue_nb/jupyter/labextension/ was never built"
    assert built == labextension_hash.fingerprint(), (
        "the JupyterLab extension's sources changed since it was built: run "
        "`cd labextension && npm install && npm run build` and commit glue_nb/jupyter/labextension/"
    )
    package = json.loads((ROOT / "glue_nb/jupyter/labextension/package.json").read_text())
    assert package["name"] == "glue-nb-jupyterlab" and package["jupyterlab"]["_build"]["load"]
    assert (
        ROOT / "glue_nb/jupyter/labextension" / package["jupyterlab"]["_build"]["load"]
    ).exists()


def test_executed_notebooks_render_from_fsspec_urls(tmp_path: Path) -> None:
    """An output root on S3 (or any fsspec URL) is read through fsspec: here ``memory://`` and
    ``file://``, the same code path as ``s3://``."""
    import fsspec
    import nbformat

    from glue_nb.views.notebook_html import render_notebook

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 42")])
    with fsspec.open("memory://runs/wf/x.ipynb", "w") as f:
        nbformat.write(nb, f)
    assert "answer" in render_notebook("memory://runs/wf/x.ipynb")
    local = tmp_path / ".hidden" / "y.ipynb"
    local.parent.mkdir()
    nbformat.write(nb, str(local))
    assert "answer" in render_notebook(local.as_uri())
    with pytest.raises(EntityNotFoundException, match="not found"):
        render_notebook("memory://runs/wf/missing.ipynb")
    with pytest.raises(InvalidInputException, match=r"only \.ipynb"):
        render_notebook("memory://runs/wf/x.txt")


@pytest.mark.slow
def test_the_wheel_carries_both_extensions(tmp_path: Path) -> None:
    """``pip install glue-nb`` is all it takes: the wheel enables the server extension and
    installs the prebuilt JupyterLab extension where JupyterLab looks for it."""
    import subprocess
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("glue_nb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = "glue_nb-0.1.0.data/data/"
    assert f"{data}etc/jupyter/jupyter_server_config.d/glue_nb.json" in names
    lab = f"{data}share/jupyter/labextensions/glue-nb-jupyterlab/"
    assert f"{lab}package.json" in names
    assert any(n.startswith(f"{lab}static/remoteEntry.") for n in names)
    assert "glue_nb/views/run_view.js" in names and "glue_nb/views/run_view.css" in names
