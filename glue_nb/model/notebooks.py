"""A job's notebook: where it is, whether it can be read as a notebook, and which kernel runs it."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_nb.model.values import _char, _fail, _kind, _show

__all__ = ["DEFAULT_KERNEL", "check_notebook_file", "is_url", "job_notebook", "resolve_notebook"]

# The kernel of a notebook that names none: jupyter_client's NATIVE_KERNEL_NAME, which nbclient
# (and so ``jupyter nbconvert --execute``) also falls back to. papermill alone refuses to guess.
DEFAULT_KERNEL = "python3"


def is_url(location: str) -> bool:
    """True for ``scheme://...`` locations other than ``file://``."""
    return "://" in location and not location.startswith("file://")


def resolve_notebook(
    job: str,
    location: Any,
    base_dir: str | os.PathLike[str] | None,
    kernel_name: str | None = None,
) -> str:
    """Absolute path of a local notebook (checked), or the URL unchanged."""
    where = f"Job {job!r}: Command.ScriptLocation"
    if not isinstance(location, str) or not location or len(location) > 400000:
        raise _fail(
            f"{where} must be the path or URL of an .ipynb (at most 400,000 characters), "
            f"got {_kind(location)}"
        )
    bad = re.search("[\x00\ud800-\udfff]", location)
    if bad:
        raise _fail(f"{where} {_show(location)} contains {_char(bad.group())}; no path can")
    if is_url(location):
        return location
    try:
        path = Path(location.removeprefix("file://")).expanduser()
        if not path.is_absolute():
            path = Path(base_dir or os.getcwd()) / path
        path = path.resolve()
    except (OSError, RuntimeError) as exc:  # e.g. a symlink loop
        raise _fail(f"{where} {_show(location)} cannot be resolved: {exc}")
    check_notebook_file(job, path, kernel_name)
    return str(path)


def check_notebook_file(job: str, path: Path, kernel_name: str | None = None) -> None:
    """Raise InvalidInputException unless ``path`` is a readable, valid notebook that a kernel
    can be chosen for (``kernel_name``, its kernelspec, or :data:`DEFAULT_KERNEL` when it is
    written in Python or says nothing of its language).

    A notebook file is read and validated once per version (path, modification time, size):
    a workflow of a thousand jobs built from one notebook validates it once."""
    shown = _show(str(path), 300)
    try:
        stat = path.stat()
    except OSError as exc:
        raise _fail(f"Job {job!r}: notebook {shown} does not exist ({exc.strerror or exc})")
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise _fail(f"Job {job!r}: notebook {shown} is {kind}, not an .ipynb file")
    facts = _notebook_facts(str(path), stat.st_mtime_ns, stat.st_size)
    if facts.problem is not None:
        raise _fail(f"Job {job!r}: {facts.problem}")
    language = (facts.language or "python").lower()
    if kernel_name is None and facts.kernel is None and language != "python":
        raise _fail(
            f"Job {job!r}: notebook {shown} is written in {facts.language!r} but names no "
            f"kernel (its metadata has no kernelspec), and glue-nb would run it with "
            f"{DEFAULT_KERNEL!r}; set Command.KernelName to the kernel that runs it (see "
            "`jupyter kernelspec list`), or open it in Jupyter, select that kernel and save it"
        )


@dataclass(frozen=True)
class _NotebookFacts:
    problem: str | None = None  # what is wrong with the file (None: nothing)
    kernel: str | None = None  # metadata.kernelspec.name
    language: str | None = None  # metadata.language_info.name or kernelspec.language


@functools.lru_cache(maxsize=1024)
def _notebook_facts(path: str, mtime_ns: int, size: int) -> _NotebookFacts:
    """What matters to a job in the notebook file at ``path`` (read as nbformat 4)."""
    from glue_nb.slowimports import defer_slow_imports

    defer_slow_imports()  # nbformat's jsonschema need not build rfc3987's grammar
    import nbformat
    from nbformat.reader import NotJSONError

    try:
        nb = nbformat.read(path, as_version=4)
    except OSError as exc:
        return _NotebookFacts(f"notebook {path!r} cannot be read: {exc}")
    except NotJSONError:  # its message quotes the file: say less
        return _NotebookFacts(f"{path!r} is not a valid notebook: it is not JSON")
    except Exception as exc:
        return _NotebookFacts(f"{path!r} is not a valid notebook: {exc}")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return _NotebookFacts(f"{path!r} is not valid nbformat: {exc.message}")
    spec = nb.metadata.get("kernelspec")
    spec = spec if isinstance(spec, Mapping) else {}
    info = nb.metadata.get("language_info")
    info = info if isinstance(info, Mapping) else {}
    return _NotebookFacts(None, spec.get("name") or None, info.get("name") or spec.get("language"))


def job_notebook(nb: Any, kernel_name: str | None = None) -> Any:
    """A job's notebook as papermill needs it: an nbformat 4 ``NotebookNode`` whose metadata
    names the kernel that runs it, which is ``Command.KernelName``, else the notebook's own
    kernelspec, else :data:`DEFAULT_KERNEL` (the file itself is never changed).

    papermill reads the kernel and the language from the metadata and refuses a notebook that
    names no kernel ("No kernel name found in notebook"), as nbformat 3 notebooks never do;
    nbformat 3 notebooks, upgraded when read, also come back as nbformat 3's node type, which
    papermill does not take. A kernel that is not installed here is left for the kernel start
    to report (a kernel pool backs off from it), unless the notebook does not say its language
    either: then InvalidInputException names the installed kernels.
    """
    import nbformat

    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.from_dict(nb)
    metadata = nb.metadata
    own = metadata.get("kernelspec")
    own = dict(own) if isinstance(own, Mapping) else {}
    info = metadata.get("language_info")
    language = (info if isinstance(info, Mapping) else {}).get("name") or own.get("language")
    name = kernel_name or own.get("name") or DEFAULT_KERNEL
    if name == own.get("name") and language:
        return nb
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    specs = KernelSpecManager()
    try:
        found = specs.get_kernel_spec(name)
        spec = {"name": name, "display_name": found.display_name, "language": found.language}
    except NoSuchKernel:
        if not language:
            installed = ", ".join(sorted(specs.find_kernel_specs())) or "none"
            raise _fail(
                f"no Jupyter kernel named {name!r} is installed here (installed: {installed}); "
                "install it, or choose another with Command.KernelName"
            ) from None
        spec = {"name": name, "display_name": name, "language": language}
    metadata["kernelspec"] = nbformat.from_dict(spec)
    return nb
