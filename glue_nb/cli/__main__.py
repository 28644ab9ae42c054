"""``python -m glue_nb.cli`` is the ``glue-nb`` command (as ``python -m glue_nb``)."""

import os

from glue_nb.cli import entry

if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    entry()
