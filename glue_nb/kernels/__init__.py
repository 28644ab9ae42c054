"""Jupyter kernels for notebook jobs: started ahead of need, connected without fixed waits.

    glue_nb.kernels.launch            start_kernel, destroy_kernel: a kernel on private sockets
    glue_nb.kernels.connect           preconnect, close_client: a client ready to run cells
    glue_nb.kernels.zygotes           Zygotes: fork servers per Python, handles on forked kernels
    glue_nb.kernels.forkserver        the fork server program itself (imports only ipykernel)
    glue_nb.kernels.pool              KernelPool, default_pool: warm kernels, one job each
    glue_nb.kernels.papermill_engine  papermill's "glue_nb" engine (a ``papermill.engine`` entry
                                      point): a notebook run on a kernel the caller started
    glue_nb.kernels.scratch           folders named after their owner process, and the sweep of
                                      those whose owner was killed

This package knows nothing of jobs, runs or the store: ``glue_nb.jobs.notebook`` runs a job on a
kernel from here, and the executors (``glue_nb.executors``) choose where that happens. Importing
it is cheap: jupyter_client, zmq and papermill are imported when a kernel is first started.
"""
