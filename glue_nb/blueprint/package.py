"""Blueprint packages: a folder or a .zip holding ``blueprint.cfg`` and a layout module.

``blueprint.cfg`` is JSON: ``{"layoutGenerator": "<pkg>.<module>.<function>", "parameterSpec":
{...}}``. As in AWS Glue, ``layoutGenerator`` is resolved from the package root: for a folder
``crawl_folders/`` holding ``blueprint.cfg`` and ``layout.py`` it is
``crawl_folders.layout.generate_layout``. A name that starts at the folder itself
(``layout.generate_layout``) works too.

A folder is used in place (edits take effect at the next run). A zip is extracted once into
``<home>/blueprints/packages/<content hash>/``, which stays, since jobs created from it may point at
notebooks inside it.

:func:`layout_generator` imports the layout in isolation: the package root is put on ``sys.path``
and modules of the same top-level name are set aside only while the layout runs; afterwards the
package's modules are removed from ``sys.modules``, so the next run imports the package afresh and
two packages with the same name never see each other.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import threading
import traceback
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_nb.blueprint.params import Parameter, parse_spec
from glue_nb.exceptions import GlueNbError, InvalidInputException

__all__ = [
    "CFG_FILE",
    "IMPORT_LOCK",
    "Package",
    "absolute_location",
    "describe_error",
    "layout_generator",
    "load_package",
]

CFG_FILE = "blueprint.cfg"
IMPORT_LOCK = threading.RLock()  # one layout at a time per process (sys.path, sys.modules, env)


@dataclass(frozen=True)
class Package:
    """A readable blueprint package."""

    location: str  # BlueprintLocation as given
    root: Path  # the folder holding blueprint.cfg
    layout: str  # layoutGenerator
    spec: dict[str, Parameter]
    raw_spec: dict[str, Any]
    description: str | None = None

    @property
    def parameter_spec(self) -> str:
        """Glue's ``ParameterSpec``: the spec as a JSON string."""
        return json.dumps(self.raw_spec)


def _local(location: str) -> Path:
    if location.startswith("file://"):
        location = location[len("file://") :]
    elif "://" in location:
        raise InvalidInputException(
            f"BlueprintLocation {location!r}: glue-nb reads blueprint packages from a local "
            "folder or .zip file (download it first)"
        )
    return Path(location).expanduser().absolute()


def absolute_location(location: str) -> str:
    """A local BlueprintLocation as an absolute path (so it means the same from any folder)."""
    if not isinstance(location, str) or not location:
        raise InvalidInputException("BlueprintLocation must be the path of a folder or .zip file")
    return str(_local(location))


def load_package(location: str, cache_dir: Path) -> Package:
    """Read and check a package (folder or zip); InvalidInputException names what is wrong."""
    if not isinstance(location, str) or not location:
        raise InvalidInputException("BlueprintLocation must be the path of a folder or .zip file")
    path = _local(location)
    try:
        is_zip, is_dir = path.is_file() and zipfile.is_zipfile(path), path.is_dir()
    except OSError as exc:  # e.g. a name too long for the file system
        raise InvalidInputException(f"BlueprintLocation cannot be read: {exc.strerror or exc}")
    if is_zip:
        path = _extract(path, cache_dir)
    elif not is_dir:
        raise InvalidInputException(
            f"BlueprintLocation {location!r}: no such folder or .zip file ({path})"
        )
    root = _find_cfg(path, location)
    try:
        cfg = json.loads((root / CFG_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputException(f"{root / CFG_FILE}: cannot be read: {exc}")
    except json.JSONDecodeError as exc:
        raise InvalidInputException(
            f"{root / CFG_FILE}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        )
    if not isinstance(cfg, dict):
        raise InvalidInputException(f"{root / CFG_FILE}: must be a JSON object")
    layout = cfg.get("layoutGenerator")
    if not isinstance(layout, str) or layout.count(".") < 1:
        raise InvalidInputException(
            f"{root / CFG_FILE}: layoutGenerator must name a function as "
            f"'<package>.<module>.<function>', e.g. '{root.name}.layout.generate_layout'; "
            f"got {layout!r}"
        )
    _import_plan(root, layout)  # the module file must exist
    raw_spec = cfg.get("parameterSpec", {})
    try:
        spec = parse_spec(raw_spec)
    except InvalidInputException as exc:
        raise InvalidInputException(f"{root / CFG_FILE}: {exc.message}")
    description = cfg.get("description") if isinstance(cfg.get("description"), str) else None
    return Package(location, root, layout, spec, dict(raw_spec), description)


def _find_cfg(path: Path, location: str) -> Path:
    if (path / CFG_FILE).is_file():
        return path
    found = sorted(p.parent for p in path.glob(f"*/{CFG_FILE}"))
    if len(found) == 1:
        return found[0]
    raise InvalidInputException(
        f"BlueprintLocation {location!r}: "
        + (
            f"several packages inside ({', '.join(p.name for p in found)}); point at one"
            if found
            else f"no {CFG_FILE} in it or in a folder directly inside it"
        )
    )


def _extract(zip_path: Path, cache_dir: Path) -> Path:
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()[:16]
    target = cache_dir / digest
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=cache_dir))
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for member in zf.infolist():
                dest = (tmp / member.filename).resolve()
                if not dest.is_relative_to(tmp.resolve()):
                    raise InvalidInputException(
                        f"{zip_path}: member {member.filename!r} points outside the package"
                    )
            zf.extractall(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # extracted by someone else meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _import_plan(root: Path, layout: str) -> tuple[Path, str, str]:
    """``(sys.path entry, module name, function name)`` for ``layoutGenerator``."""
    parts = layout.split(".")
    module, function = parts[:-1], parts[-1]
    candidates = []
    if module[0] == root.name and len(module) > 1:
        candidates.append((root.parent, module))
    candidates.append((root, module))
    for entry, mod in candidates:
        base = entry.joinpath(*mod)
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return entry, ".".join(mod), function
    raise InvalidInputException(
        f"{root / CFG_FILE}: layoutGenerator {layout!r} names module {'.'.join(module)!r}, which "
        f"is not in the package; with the layout in {root.name}/layout.py use "
        f"'{root.name}.layout.generate_layout'"
    )


@contextmanager
def layout_generator(package: Package) -> Iterator[Callable[..., Any]]:
    """The layout function, importable (with its package) while the context is open."""
    entry, module_name, function = _import_plan(package.root, package.layout)
    top = module_name.split(".")[0]
    root = package.root.resolve()

    def ours(name: str, module: Any) -> bool:
        if name == top or name.startswith(top + "."):
            return True
        file = getattr(module, "__file__", None)
        return isinstance(file, str) and Path(file).resolve().is_relative_to(root)

    with IMPORT_LOCK:
        before = set(sys.modules)
        stashed = {
            k: sys.modules.pop(k) for k in list(sys.modules) if k == top or k.startswith(top + ".")
        }
        sys.path.insert(0, str(entry))
        bytecode = sys.dont_write_bytecode
        sys.dont_write_bytecode = True  # leave no __pycache__ in the package
        importlib.invalidate_caches()
        try:
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:
                raise LayoutError(
                    f"cannot import layout module {module_name!r}: {describe_error(exc, root)}"
                ) from exc
            fn = getattr(module, function, None)
            if not callable(fn):
                raise LayoutError(
                    f"layout module {module_name!r} has no function {function!r} "
                    f"(layoutGenerator is {package.layout!r})"
                )
            yield fn
        finally:
            sys.dont_write_bytecode = bytecode
            try:
                sys.path.remove(str(entry))
            except ValueError:
                pass
            for name in list(sys.modules):
                if (name not in before and ours(name, sys.modules[name])) or name in stashed:
                    sys.modules.pop(name, None)
            sys.modules.update(stashed)


class LayoutError(Exception):
    """The layout could not be imported or called."""


def describe_error(exc: BaseException, root: Path | None = None) -> str:
    """``Type: message``, plus where in the package it was raised (file and line)."""
    if isinstance(exc, (LayoutError, GlueNbError)):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, LayoutError) or root is None:
        return text
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if Path(f.filename).resolve().is_relative_to(root)
    ]
    if frames:
        f = frames[-1]
        where = Path(f.filename).resolve().relative_to(root)
        text += f" (at {where}, line {f.lineno}, in {f.name})"
    return text
