"""Reuse of unchanged job runs: what a job read and wrote (recorded in its kernel without the
notebook author declaring anything), fingerprints, the reuse decision, and ``why``.

- :mod:`~glue_nb.reuse.recorder`: the in-kernel recorder (standard library only, layer 0);
- :mod:`~glue_nb.reuse.trace`: the recorder's events turned into a trace after the notebook
  ends, in the process that ran the job (stats and content hashes);
- :mod:`~glue_nb.reuse.fingerprint`: a job run's static part (code cells, typed parameters,
  kernel) and the reuse settings;
- :mod:`~glue_nb.reuse.verify`: a recorded trace checked against the world now → what changed;
- :mod:`~glue_nb.reuse.decide`: the engine's decision before a job run starts;
- :mod:`~glue_nb.reuse.why`: why a job run ran, or why it was reused.

This package's ``__init__`` imports nothing: a job kernel imports the recorder alone.
"""
