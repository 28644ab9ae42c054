"""Glue's API, answered by glue-nb.

- :mod:`~glue_nb.api.operations`: one handler per operation (input dict → output dict);
- :mod:`~glue_nb.api.wire`: AWS JSON 1.1 (targets, bodies, errors), shared by both routes;
- :mod:`~glue_nb.api.models`: Glue's service model and glue-nb's own beside it (``GlueNb``);
- :mod:`~glue_nb.api.inprocess`: botocore clients answered in this process (``glue_nb.client()``);
- :mod:`~glue_nb.api.server`: ``glue-nb serve``; :mod:`~glue_nb.api.auth`: SigV4 checks;
- :mod:`~glue_nb.api.service`: the local service the handlers work on;
  :mod:`~glue_nb.api.paths`: paths confined to a server's roots;
  :mod:`~glue_nb.api.shapes`: answers fitted to an output shape;
- :mod:`~glue_nb.api.columns`: job runs and crawls as pages of columns (glue-nb's
  ``GetJobRunHistory``, read by :mod:`glue_nb.history`).
"""
