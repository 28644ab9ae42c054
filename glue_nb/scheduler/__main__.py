"""``python -m glue_nb.scheduler``: the scheduler in the foreground (see
:func:`glue_nb.scheduler.cli`)."""

import sys

from glue_nb.scheduler.foreground import cli

sys.exit(cli())
