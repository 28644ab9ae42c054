"""Noticing store changes: ``glue_nb.store.watch``, glue-nb's ``WaitForChange`` operation, and
the Jupyter extension's ``changes`` request, which pages wait on instead of polling: a commit by
any process answers them."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import glue_nb as gn
from glue_nb.exceptions import InvalidInputException
from glue_nb.jupyter import service
from glue_nb.store.watch import StoreWatch

COMMIT_ELSEWHERE = """
import sys
import glue_nb
glue_nb.client(sys.argv[1]).create_workflow(Name=sys.argv[2])
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    gn.client(tmp_path / "home").create_workflow(Name="first")
    return tmp_path / "home"


def test_a_token_changes_with_each_commit_and_only_then(home: Path) -> None:
    watch = StoreWatch(home)
    before = watch.token()
    assert before is not None and watch.token() == before
    gn.client(home).get_workflow(Name="first")  # a read commits nothing
    assert watch.token() == before
    gn.client(home).create_workflow(Name="here")  # another connection of this process
    after_here = watch.token()
    assert after_here != before
    subprocess.run([sys.executable, "-c", COMMIT_ELSEWHERE, str(home), "there"], check=True)
    assert watch.token() not in (before, after_here)  # another process


def test_no_store_no_token_and_a_replaced_store_is_a_change(tmp_path: Path, home: Path) -> None:
    empty = StoreWatch(tmp_path / "nothing")
    assert empty.token() is None
    assert not (tmp_path / "nothing").exists()  # a watch never creates a store
    watch = StoreWatch(home)
    before = watch.token()
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    (home / "glue_nb.sqlite").unlink()
    shutil.copy(copy / "glue_nb.sqlite", home / "glue_nb.sqlite")  # same content, new file
    assert watch.token() not in (None, before)


def test_changes_answers_when_the_store_changes(home: Path) -> None:
    token = service.change_token(str(home))
    assert asyncio.run(service.changes(str(home), "", 5))["token"] == token  # no token yet: at once

    def commit_soon() -> None:
        time.sleep(0.5)
        gn.client(home).create_workflow(Name="later")

    writer = threading.Thread(target=commit_soon)
    started = time.monotonic()
    writer.start()
    answer = asyncio.run(service.changes(str(home), token or "", 20))
    waited = time.monotonic() - started
    writer.join()
    assert answer["changed"] and answer["token"] != token
    assert 0.4 < waited < 19, waited  # after the commit, well before the wait ran out


def test_changes_waits_the_whole_wait_when_nothing_changes(home: Path) -> None:
    token = service.change_token(str(home))
    started = time.monotonic()
    answer = asyncio.run(service.changes(str(home), token or "", 1.0))
    assert time.monotonic() - started >= 1.0
    assert answer == {"token": token, "changed": False}


@pytest.mark.parametrize("wait", ["-1", "31", "soon", None])
def test_changes_refuses_a_bad_wait_or_no_home(home: Path, wait: str | None) -> None:
    with pytest.raises(InvalidInputException, match="wait must be a number of seconds from 0"):
        asyncio.run(service.changes(str(home), "", wait))
    with pytest.raises(InvalidInputException, match="no glue-nb home given"):
        asyncio.run(service.changes("", "", 1))


def test_changes_of_a_server_that_is_down_is_no_error() -> None:
    started = time.monotonic()
    answer = asyncio.run(service.changes("http://127.0.0.1:9/", "", 1))
    assert answer == {"token": None, "changed": False}
    assert time.monotonic() - started >= 1.0


def test_wait_for_change_in_a_local_home(home: Path) -> None:
    c = gn.client(home).nb
    first = c.wait_for_change()
    assert first["ChangeToken"] and first["Changed"]  # no Since: a token, at once
    token = first["ChangeToken"]
    again = c.wait_for_change(Since=token)
    assert (again["ChangeToken"], again["Changed"]) == (token, False)
    subprocess.run([sys.executable, "-c", COMMIT_ELSEWHERE, str(home), "there"], check=True)
    answer = c.wait_for_change(Since=token, WaitSeconds=5)
    assert answer["Changed"] and answer["ChangeToken"] != token
    started = time.monotonic()
    same = c.wait_for_change(Since=answer["ChangeToken"], WaitSeconds=0.5)
    assert not same["Changed"] and time.monotonic() - started >= 0.5
    with pytest.raises(InvalidInputException, match="WaitSeconds must be 0-20 seconds"):
        c.wait_for_change(WaitSeconds=21)
