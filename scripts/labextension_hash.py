"""The fingerprint of the JupyterLab extension's sources, kept next to the prebuilt extension.

The built extension (``glue_nb/jupyter/labextension/``) is committed, so that installing glue-nb
needs no Node.js. ``npm run build`` in ``labextension/`` writes the fingerprint of the sources it
was built from to ``glue_nb/jupyter/labextension/source-hash.txt``; a test recomputes it and fails
when a source changed without a rebuild.

    python scripts/labextension_hash.py           # print the fingerprint of the sources now
    python scripts/labextension_hash.py --write   # record it as built (what the build does)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    "labextension/package.json",
    "labextension/package-lock.json",
    "labextension/tsconfig.json",
    "labextension/src/index.ts",
    "labextension/style/index.css",
    "glue_nb/views/run_view.js",
    "glue_nb/views/run_view.css",
]
RECORD = ROOT / "glue_nb" / "jupyter" / "labextension" / "source-hash.txt"


def fingerprint() -> str:
    """sha256 over the sources' names and contents (line endings normalised)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0")
        digest.update((ROOT / name).read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def recorded() -> str | None:
    return RECORD.read_text().strip() if RECORD.exists() else None


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        RECORD.write_text(fingerprint() + "\n")
    print(fingerprint())
