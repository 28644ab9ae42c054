"""``python -m glue_nb`` is the ``glue-nb`` command."""

from glue_nb.cli import entry

entry()
