"""A Jupyter form for a blueprint, generated from its parameter spec (ipywidgets).

    form = glue_nb.blueprint.open_form("notebooks/blueprints/crawl_folders")
    form                     # fields, "Preview" and "Create workflow" buttons
    form.set(WorkflowName="raw-tables", Folders=["data/raw"])   # or type into the fields
    form.create()            # = clicking "Create workflow"; returns the BlueprintRun

Field widgets follow the spec: text for String/S3Uri/S3Bucket/IAM types, number boxes for
Integer/Double, a checkbox for Boolean, a dropdown for ``allowedValues``, and a list editor (one
row per item, with add/remove buttons) for ``collection`` parameters. Each field takes one row:
its name, its editor, its type and description (the whole text in a tooltip). Problems (missing,
wrong type, not allowed) appear beside the fields as they are edited. *Preview* runs the layout
without keeping anything and shows the static view of what would be created; *Create workflow*
starts the blueprint run and shows its outcome.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_nb.blueprint.params import Parameter, check_parameters
from glue_nb.exceptions import GlueNbError

if TYPE_CHECKING:
    from glue_nb.builder import Workflow
    from glue_nb.client import GlueClient

__all__ = ["BlueprintForm", "requests_to_workflow", "workflow_preview_html"]

_ERROR = "color:#b00020"
_OK = "color:#1b5e20"
_CELL = "line-height:28px;padding:0 6px"  # text beside a widget, on its line


def _widgets() -> Any:
    import ipywidgets

    return ipywidgets


class _Scalar:
    """One value editor: the widget for a parameter's type (or its allowed values)."""

    def __init__(self, param: Parameter, value: Any, on_change: Callable[[], None]) -> None:
        w = _widgets()
        self.param = param
        self.touched = value is not None
        layout = w.Layout(width="22em")
        if param.allowed is not None:
            options = [("", None)] + [(str(v), v) for v in param.allowed]
            self.widget = w.Dropdown(
                options=options, value=value if value in param.allowed else None, layout=layout
            )
        elif param.type == "Boolean":
            self.widget = w.Checkbox(value=bool(value), indent=False)
            self.touched = True  # a checkbox always holds a value
        elif param.type == "Integer":
            self.widget = w.IntText(value=int(value or 0), layout=layout)
        elif param.type == "Double":
            self.widget = w.FloatText(value=float(value or 0.0), layout=layout)
        else:
            self.widget = w.Text(
                value="" if value is None else str(value),
                layout=layout,
                placeholder=_placeholder(param),
            )

        def changed(_: Any) -> None:
            self.touched = True
            on_change()

        self.widget.observe(changed, names="value")

    def get(self) -> Any:
        """The value, or ``None`` when nothing was entered."""
        value = self.widget.value
        if isinstance(self.widget, _widgets().Text) and value == "":
            return None
        if self.param.type in ("Integer", "Double") and not self.touched:
            return None
        return value

    def set(self, value: Any) -> None:
        if self.param.allowed is not None and value not in self.param.allowed:
            value = None
        elif isinstance(self.widget, _widgets().Text):
            value = "" if value is None else str(value)
        self.widget.value = value
        self.touched = True


def _placeholder(param: Parameter) -> str:
    return {
        "S3Uri": "a folder, file or URL",
        "S3Bucket": "a folder or bucket",
        "IAMRoleName": "(not used locally)",
        "IAMRoleArn": "(not used locally)",
    }.get(param.type, param.type)


class _ListEditor:
    """A collection parameter: one row per item, each with a remove button, and an add button."""

    def __init__(self, param: Parameter, values: list[Any] | None, on_change: Callable[[], None]):
        w = _widgets()
        self.param, self.on_change = param, on_change
        self.items: list[_Scalar] = []
        self.rows = w.VBox([])
        self.add_button = w.Button(
            description="add", icon="plus", tooltip="add an item", layout=w.Layout(width="5.5em")
        )
        self.add_button.on_click(lambda _: self.add(None))
        self.widget = w.HBox([self.rows, self.add_button], layout=w.Layout(flex="0 0 auto"))
        for value in values or []:
            self.add(value, notify=False)
        if not self.items:
            self.add(None, notify=False)

    def add(self, value: Any, notify: bool = True) -> _Scalar:
        w = _widgets()
        item = _Scalar(self.param, value, self.on_change)
        remove = w.Button(
            description="", icon="trash", tooltip="remove", layout=w.Layout(width="3em")
        )
        row = w.HBox([item.widget, remove])
        remove.on_click(lambda _: self.remove(item, row))
        item.row = row  # type: ignore[attr-defined]
        self.items.append(item)
        self.rows.children = (*self.rows.children, row)
        if notify:
            self.on_change()
        return item

    def remove(self, item: _Scalar, row: Any) -> None:
        self.items.remove(item)
        self.rows.children = tuple(r for r in self.rows.children if r is not row)
        self.on_change()

    def get(self) -> list[Any] | None:
        values = [v for v in (i.get() for i in self.items) if v is not None]
        return values or None

    def set(self, values: Any) -> None:
        self.items.clear()
        self.rows.children = ()
        for value in values if isinstance(values, (list, tuple)) else [values]:
            self.add(value, notify=False)
        self.on_change()


class _Field:
    """A parameter's row, one line: name, editor, problems (when there are), then its type and
    description in grey (cut with "…" when long; the whole text is the tooltip)."""

    def __init__(self, param: Parameter, on_change: Callable[[], None]) -> None:
        w = _widgets()
        self.param = param
        default = param.default if param.has_default else None
        self.touched = False

        def changed() -> None:
            self.touched = True
            on_change()

        self.editor: _Scalar | _ListEditor = (
            _ListEditor(param, default, changed)
            if param.collection
            else _Scalar(param, default, changed)
        )
        star = "" if param.has_default else " *"
        kind = param.type_label()
        self.label = w.HTML(
            f"<div style='{_CELL}' title='{html.escape(kind)}'><b>{html.escape(param.name)}</b>"
            f"{star}</div>",
            layout=w.Layout(width="13em", flex="0 0 auto"),
        )
        self.message = w.HTML("", layout=w.Layout(width="auto", flex="0 0 auto"))
        full = " · ".join(t for t in (kind, param.description) if t)
        self.help = w.HTML(
            f"<div style='{_CELL};color:#6b7280;font-size:12px;white-space:nowrap;width:100%;"
            f"overflow:hidden;text-overflow:ellipsis' title='{html.escape(full)}'>"
            f"<span style='font-family:monospace'>{html.escape(kind)}</span>"
            f"{' · ' + html.escape(param.description) if param.description else ''}</div>",
            layout=w.Layout(flex="1 1 0", min_width="0", overflow="hidden"),
        )
        self.widget = w.HBox(
            [self.label, self.editor.widget, self.message, self.help],
            layout=w.Layout(align_items="flex-start", width="100%"),
        )

    def show(self, problems: list[str]) -> None:
        text = "; ".join(html.escape(p) for p in problems)
        self.message.value = f"<div style='{_ERROR};{_CELL}'>{text}</div>" if problems else ""


class BlueprintForm:
    """The form of one registered blueprint (see the module docstring)."""

    def __init__(self, blueprint: str, client: GlueClient | None = None) -> None:
        from glue_nb.client import client as glue_client

        w = _widgets()
        self.blueprint = blueprint
        self.client = (client or glue_client()).nb  # glue-nb's API: RoleArn optional
        self.spec = self.client.blueprints.parameter_spec(blueprint)
        self.fields = {name: _Field(p, self._changed) for name, p in self.spec.items()}
        self.problems: dict[str, list[str]] = {}
        self.last_run: dict[str, Any] | None = None
        self.last_preview: dict[str, Any] | None = None
        self._show_all = False
        self.preview_button = w.Button(description="Preview", icon="eye")
        self.create_button = w.Button(
            description="Create workflow", icon="play", button_style="primary"
        )
        self.preview_button.on_click(lambda _: self.preview())
        self.create_button.on_click(lambda _: self.create())
        self.outcome = w.HTML("")
        self.preview_area = w.HTML("")
        title = w.HTML(f"<h3 style='margin:0'>Blueprint {html.escape(blueprint)}</h3>")
        self.widget = w.VBox(
            [
                title,
                *(f.widget for f in self.fields.values()),
                w.HBox([self.preview_button, self.create_button]),
                self.outcome,
                self.preview_area,
            ]
        )

    @classmethod
    def open(
        cls,
        blueprint: str | os.PathLike[str],
        *,
        name: str | None = None,
        home: str | os.PathLike[str] | None = None,
        client: GlueClient | None = None,
    ) -> BlueprintForm:
        """The form of a registered blueprint, or of a package (registered or updated first)."""
        from glue_nb.client import client as glue_client

        c = client or glue_client(home)
        text = os.fspath(blueprint)
        is_path = os.sep in text or text.endswith(".zip") or Path(text).exists()
        if not is_path:
            return cls(text, c)
        from glue_nb.blueprint.package import load_package

        location = str(Path(text).absolute())
        package = load_package(location, c.blueprints.cache_dir)
        bp_name = name or package.root.name
        if _exists(c, bp_name):
            c.update_blueprint(Name=bp_name, BlueprintLocation=location)
        else:
            c.create_blueprint(Name=bp_name, BlueprintLocation=location)
        return cls(bp_name, c)

    # -- display ---------------------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.widget._repr_mimebundle_(include=include, exclude=exclude)

    # -- values ----------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The values entered (fields left empty are omitted: their defaults apply)."""
        out = {}
        for name, field in self.fields.items():
            value = field.editor.get()
            if value is not None:
                out[name] = value
        return out

    def set(self, **values: Any) -> BlueprintForm:
        """Fill fields programmatically (as if typed)."""
        for name, value in values.items():
            if name not in self.fields:
                raise KeyError(
                    f"blueprint {self.blueprint!r} has no parameter {name!r} "
                    f"(known: {', '.join(self.fields)})"
                )
            self.fields[name].editor.set(value)
            self.fields[name].touched = True
        self.validate()
        return self

    def validate(self, show_all: bool = False) -> bool:
        """Check the values; show problems beside the fields (edited ones, or all)."""
        self._show_all = self._show_all or show_all
        _, problems = check_parameters(self.spec, self.values())
        self.problems = problems
        for name, field in self.fields.items():
            shown = self._show_all or field.touched
            field.show(problems.get(name, []) if shown else [])
        return not problems

    def _changed(self) -> None:
        self.validate()

    # -- actions ---------------------------------------------------------------------------------
    def preview(self) -> dict[str, Any] | None:
        """Run the layout without keeping anything; show what would be created."""
        if not self.validate(show_all=True):
            self._say("Fix the fields marked in red first.", error=True)
            return None
        try:
            requests = self.client.blueprints.preview(self.blueprint, self.values())
        except Exception as exc:  # the layout's own errors are shown, not raised
            self.preview_area.value = ""
            self._say(f"The layout fails: {_message(exc)}", error=True)
            return None
        self.last_preview = requests
        wf = requests_to_workflow(requests, home=self.client.home)
        counts = (
            f"{len(wf.jobs)} job(s), {len(wf.crawlers)} crawler(s), {len(wf.triggers)} trigger(s)"
        )
        self._say(f"Would create workflow <b>{html.escape(wf.name)}</b>: {counts}.")
        self.preview_area.value = workflow_preview_html(wf)
        return requests

    def create(self) -> dict[str, Any] | None:
        """Start the blueprint run; show and return its BlueprintRun."""
        if not self.validate(show_all=True):
            self._say("Fix the fields marked in red first.", error=True)
            return None
        try:
            run_id = self.client.start_blueprint_run(
                BlueprintName=self.blueprint, Parameters=json.dumps(self.values())
            )["RunId"]
        except GlueNbError as exc:
            self._say(_message(exc), error=True)
            return None
        run = self.client.get_blueprint_run(BlueprintName=self.blueprint, RunId=run_id)
        self.last_run = run["BlueprintRun"]
        if self.last_run["State"] == "SUCCEEDED":
            name = self.last_run["WorkflowName"]
            self._say(
                f"Blueprint run SUCCEEDED: created workflow <b>{html.escape(name)}</b> "
                f"(run {html.escape(run_id)}). Start it with "
                f"<code>start_workflow_run(Name={html.escape(repr(name))})</code>.",
            )
            try:
                from glue_nb.builder import Workflow

                self.preview_area.value = workflow_preview_html(
                    Workflow.load(name, home=self.client.home)
                )
            except Exception:  # the outcome matters more than the picture
                pass
        else:
            self._say(
                f"Blueprint run {self.last_run['State']}: "
                f"{html.escape(self.last_run.get('ErrorMessage', ''))} "
                "(nothing was kept)",
                error=True,
            )
        return self.last_run

    def _say(self, text: str, error: bool = False) -> None:
        style = _ERROR if error else _OK
        self.outcome.value = f"<div style='{style};white-space:pre-wrap'>{text}</div>"


def _exists(client: GlueClient, name: str) -> bool:
    try:
        client.get_blueprint(Name=name)
        return True
    except GlueNbError:
        return False


def _message(exc: BaseException) -> str:
    text = exc.message if isinstance(exc, GlueNbError) else f"{type(exc).__name__}: {exc}"
    return html.escape(text)


def requests_to_workflow(requests: Mapping[str, Any], home: Any = None) -> Workflow:
    """Glue requests (``{"Workflow", "Jobs", "Crawlers", "Triggers"}``) → a fluent Workflow
    (for display)."""
    from glue_nb.builder import Crawler, NotebookJob, Workflow

    spec = requests["Workflow"]
    wf = Workflow(
        spec["Name"],
        description=spec.get("Description"),
        default_run_properties=spec.get("DefaultRunProperties"),
        max_concurrent_runs=spec.get("MaxConcurrentRuns"),
        home=home,
    )
    for job in requests.get("Jobs", []):
        wf.jobs[job["Name"]] = NotebookJob.from_glue(job)
    for crawler in requests.get("Crawlers", []):
        wf.crawlers[crawler["Name"]] = Crawler.from_glue(crawler)
    for trigger in requests.get("Triggers", []):
        wf.triggers[trigger["Name"]] = {k: v for k, v in trigger.items() if k != "WorkflowName"}
    return wf


def workflow_preview_html(wf: Workflow) -> str:
    """The static view of ``wf`` as HTML (SVG when available), else a text outline."""
    try:
        from glue_nb.views.static import workflow_mimebundle

        bundle = workflow_mimebundle(wf)
        if bundle.get("image/svg+xml"):
            return f"<div>{bundle['image/svg+xml']}</div>"
        if bundle.get("text/html"):
            return bundle["text/html"]
        if bundle.get("text/plain"):
            return f"<pre>{html.escape(bundle['text/plain'])}</pre>"
    except Exception:  # the views are optional here: fall back to text
        pass
    return f"<pre>{html.escape(outline(wf))}</pre>"


def outline(wf: Workflow) -> str:
    """A plain-text outline of a workflow: each trigger and what it starts."""
    lines = [f"workflow {wf.name}"]
    for trigger in wf.triggers.values():
        starts = ", ".join(
            a.get("JobName") or f"crawler {a.get('CrawlerName')}"
            for a in trigger.get("Actions", [])
        )
        if trigger["Type"] == "CONDITIONAL":
            predicate = trigger.get("Predicate") or {}
            conditions = f" {predicate.get('Logical', 'AND')} ".join(
                " ".join(
                    [
                        c.get("JobName") or c.get("CrawlerName"),
                        c.get("State") or c.get("CrawlState"),
                    ]
                )
                for c in predicate.get("Conditions", [])
            )
            when = f"when {conditions}"
        elif trigger["Type"] == "SCHEDULED":
            when = f"on {trigger.get('Schedule')}"
        else:
            when = trigger["Type"].lower().replace("_", " ")
        lines.append(f"  {trigger['Name']}: {when} -> {starts}")
    return "\n".join(lines)
