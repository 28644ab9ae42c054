"""The engine: runs as state machines, driven in the process that starts them.

- :mod:`~glue_nb.engine.facade`: :class:`Engine`, start / stop / resume of workflow runs,
  standalone job runs and crawls;
- :mod:`~glue_nb.engine.driver`: :class:`RunDriver`, the thread that drives one unit of work
  (a normal exit of the process waits for them);
- :mod:`~glue_nb.engine.triggers`: trigger evaluation as pure functions of the graph and states;
- :mod:`~glue_nb.engine.jobs`: job definitions → self-contained job specs;
- :mod:`~glue_nb.engine.supervisor`: the process's heartbeat, stops asked elsewhere, repairs;
- :mod:`~glue_nb.engine.orphans`: ending the work of owner processes that are gone.
"""

from glue_nb.engine.driver import RunDriver
from glue_nb.engine.facade import Engine
from glue_nb.owner import HEARTBEAT_EVERY, STALE_AFTER

__all__ = ["HEARTBEAT_EVERY", "STALE_AFTER", "Engine", "RunDriver"]
