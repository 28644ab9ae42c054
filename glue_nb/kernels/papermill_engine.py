"""papermill's engine ``"glue_nb"``: run a notebook on a kernel the caller started.

glue-nb registers it through papermill's own extension point, the ``papermill.engine`` entry
point group (see ``pyproject.toml``); ``papermill.execute_notebook(..., engine_name="glue_nb",
km=<kernel manager>)`` then runs on that kernel (``papermill --engine glue_nb`` works too, on a
kernel it starts). It takes over the pre-connected client that
:class:`~glue_nb.kernels.pool.KernelPool` left on the kernel manager, or connects one without
fixed waits (:func:`~glue_nb.kernels.connect.preconnect`).

papermill imports every registered engine when it is imported itself (any process that imports
papermill, glue-nb's or not), so this module imports nothing heavy: :class:`GlueNbEngine` is a
thin class whose methods build the real engine, a subclass of papermill's ``NBClientEngine``, on
first use. That also lets this module be imported before papermill without an import cycle.
"""

from __future__ import annotations

import threading
from typing import Any

from glue_nb.kernels.connect import close_client, preconnect

__all__ = ["ENGINE_NAME", "GlueNbEngine", "engine_name"]

ENGINE_NAME = "glue_nb"


class GlueNbEngine:
    """The ``"glue_nb"`` engine as papermill calls it (the entry point's object)."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, **kwargs: Any) -> Any:
        """Execute ``nb`` on the kernel manager given as ``km=`` (without one, on a kernel it
        starts and shuts down, as papermill's default engine does)."""
        return _engine().execute_notebook(nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb: Any, name: str | None = None) -> Any:
        return _engine().nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb: Any, language: str | None = None) -> Any:
        return _engine().nb_language(nb, language)


def engine_name() -> str:
    """The engine's name, once papermill is known to have it (raises if glue-nb's entry point is
    not installed: glue-nb run from a source tree that was never ``pip install``-ed)."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        papermill_engines.register_entry_points()  # installed after papermill was imported?
        try:
            papermill_engines.get_engine(ENGINE_NAME)
        except PapermillException:
            raise RuntimeError(
                f"papermill has no {ENGINE_NAME!r} engine: glue-nb's 'papermill.engine' entry "
                "point is not installed (install glue-nb, e.g. pip install -e . in its source "
                "folder)"
            ) from None
    return ENGINE_NAME


_lock = threading.Lock()
_built: Any = None


def _engine() -> Any:
    """The real engine class (built once)."""
    global _built
    with _lock:
        if _built is None:
            _built = _build()
        return _built


def _build() -> Any:
    from jupyter_core.utils import run_sync
    from nbclient.util import run_hook
    from papermill.engines import NBClientEngine, PapermillNotebookClient
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class GlueNbNotebookClient(PapermillNotebookClient):  # type: ignore[misc]
        """Runs on the kernel manager it is given, with its pre-connected client if any."""

        _kernel_info: dict[str, Any] | None = None

        async def async_start_new_kernel_client(self) -> Any:
            km = self.km
            kc = getattr(km, "_glue_nb_kc", None)
            info = getattr(km, "_glue_nb_kernel_info", None)
            if kc is None:
                kc, info = preconnect(km, self.startup_timeout)
            km._glue_nb_kc = None
            self._kernel_info = info
            self.kc = kc
            kc.allow_stdin = False
            await run_hook(self.on_notebook_start, notebook=self.nb)
            return kc

        start_new_kernel_client = run_sync(async_start_new_kernel_client)

        def execute(self, **kwargs: Any) -> Any:
            self.reset_execution_trackers()
            try:
                with self.setup_kernel(**kwargs):
                    self.papermill_execute_cells()
                    info = self._kernel_info or self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                    self.set_widgets_metadata()
            finally:
                if self.kc is not None:
                    close_client(self.kc)
                    self.kc = None
            return self.nb

    class NBClientOnGivenKernel(NBClientEngine):  # type: ignore[misc]
        """papermill's nbclient engine on a kernel the caller started (``km=``)."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            **kwargs: Any,
        ) -> Any:
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            return GlueNbNotebookClient(nb_man, **final_kwargs).execute()

    return NBClientOnGivenKernel
