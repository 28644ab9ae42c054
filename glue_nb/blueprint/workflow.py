"""Glue's blueprint ``Workflow`` and ``Entities`` (mirror ``awsglue.blueprint.workflow``).

A layout written for AWS Glue runs here after changing ``awsglue`` to ``glue_nb`` in its imports:

    from glue_nb.blueprint.workflow import *   # Workflow, Entities (and Job, Crawler)
    ...
    return Workflow(Name=name, Entities=Entities(Jobs=[...], Crawlers=[...]),
                    OnSchedule="cron(0 6 * * ? *)")

``to_json(name_suffix)`` produces what Glue creates: the workflow, its jobs and crawlers (names
suffixed ``_<name_suffix>``, which a blueprint run sets to a random value as Glue does), a start
trigger ``<workflow>_starting_trigger`` (SCHEDULED and started on creation with ``OnSchedule``,
EVENT with ``OnSchedule="EVENT"``, else ON_DEMAND) whose actions are the entities without
``DependsOn``, and one CONDITIONAL trigger ``<workflow>_<entity>_trigger`` per dependent entity,
``WaitForDependencies`` becoming its predicate's ``Logical``. Unlike Glue's library, an empty
suffix leaves the names unchanged.
"""

from __future__ import annotations

from typing import Any

from glue_nb.blueprint.base_resource import BaseResource
from glue_nb.blueprint.crawler import Crawler
from glue_nb.blueprint.job import Job
from glue_nb.states import WATCHABLE_CRAWL_STATES, WATCHABLE_JOB_STATES

__all__ = ["Crawler", "Entities", "Job", "Workflow"]


class Entities:
    """The jobs and crawlers of a workflow."""

    def __init__(
        self, Jobs: list[Job] | None = None, Crawlers: list[Crawler] | None = None, **ignored: Any
    ) -> None:
        self.Jobs = list(Jobs or [])
        self.Crawlers = list(Crawlers or [])

    def validate(self) -> bool:
        """Every entity is valid, names are unique, and dependencies are entities of this list."""
        for kind, items, cls in (("Jobs", self.Jobs, Job), ("Crawlers", self.Crawlers, Crawler)):
            for item in items:
                if not isinstance(item, cls):
                    raise TypeError(
                        f"Entities.{kind} must hold {cls.__name__} objects, got {item!r}"
                    )
                item.validate()
        everything = [*self.Jobs, *self.Crawlers]
        names = [e.Name for e in everything]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise TypeError(f"Entity names must be unique within a workflow; repeated: {dupes}")
        members = {id(e) for e in everything}
        for entity in everything:
            for dependency, state in (entity.DependsOn or {}).items():
                if id(dependency) not in members:
                    raise TypeError(
                        f"{entity.Name!r} depends on {dependency.Name!r}, which is not among "
                        "the workflow's Entities; add it to Jobs or Crawlers"
                    )
                watchable = (
                    WATCHABLE_JOB_STATES if isinstance(dependency, Job) else WATCHABLE_CRAWL_STATES
                )
                if state not in watchable:
                    raise TypeError(
                        f"{entity.Name!r} depends on {dependency.Name!r} reaching {state!r}; "
                        f"a {type(dependency).__name__.lower()} can be watched for "
                        f"{', '.join(watchable)}"
                    )
        return True

    def to_json(
        self, workflow_name: str, starting_trigger_schedule: str | None, name_suffix: str
    ) -> tuple[list[dict], list[dict], list[dict]]:
        """``(crawlers, jobs, triggers)`` as Glue requests."""

        def suffixed(name: str) -> str:
            return f"{name}_{name_suffix}" if name_suffix else name

        start: dict[str, Any] = {
            "WorkflowName": workflow_name,
            "Name": f"{workflow_name}_starting_trigger",
            "Actions": [],
        }
        if starting_trigger_schedule == "EVENT":
            start.update(Type="EVENT", EventBatchingCondition={"BatchSize": 1})
        elif not starting_trigger_schedule or starting_trigger_schedule == "ON_DEMAND":
            start["Type"] = "ON_DEMAND"
        else:
            start.update(Type="SCHEDULED", Schedule=starting_trigger_schedule, StartOnCreation=True)
        triggers: list[dict] = []
        out: dict[str, list[dict]] = {"Crawlers": [], "Jobs": []}
        for kind, items in (("Crawlers", self.Crawlers), ("Jobs", self.Jobs)):
            key = "CrawlerName" if kind == "Crawlers" else "JobName"
            for entity in items:
                body = entity.to_json()
                body["Name"] = suffixed(body["Name"])
                depends = body.pop("DependsOn", None)
                logical = body.pop("WaitForDependencies", None)
                out[kind].append(body)
                if not depends:
                    start["Actions"].append({key: body["Name"]})
                    continue
                conditions = []
                for dependency, state in depends.items():
                    if isinstance(dependency, Crawler):
                        conditions.append(
                            {
                                "LogicalOperator": "EQUALS",
                                "CrawlerName": suffixed(dependency.Name),
                                "CrawlState": state,
                            }
                        )
                    else:
                        conditions.append(
                            {
                                "LogicalOperator": "EQUALS",
                                "JobName": suffixed(dependency.Name),
                                "State": state,
                            }
                        )
                predicate: dict[str, Any] = {"Conditions": conditions}
                if logical:
                    predicate["Logical"] = logical
                elif len(conditions) > 1:
                    predicate["Logical"] = "AND"  # Glue needs Logical with several conditions
                triggers.append(
                    {
                        "WorkflowName": workflow_name,
                        "Type": "CONDITIONAL",
                        "Name": f"{workflow_name}_{body['Name']}_trigger",
                        "Predicate": predicate,
                        "StartOnCreation": True,
                        "Actions": [{key: body["Name"]}],
                    }
                )
        triggers.append(start)
        return out["Crawlers"], out["Jobs"], triggers


class Workflow(BaseResource):
    """What a Glue-style ``generate_layout`` returns."""

    _validator = {
        "Name": (str, True),
        "Description": (str, False),
        "DefaultRunProperties": (dict, False),
        "Tags": (dict, False),
        "MaxConcurrentRuns": (int, False),
        "OnSchedule": (str, False),
        "Entities": (Entities, True),
    }

    def validate(self) -> bool:
        """Required fields are present and every entity is valid (``TypeError`` otherwise)."""
        super().validate()
        return self.Entities.validate()

    def to_json(self, name_suffix: str = "") -> dict[str, Any]:  # type: ignore[override]
        """``{"Workflow", "Crawlers", "Jobs", "Triggers"}`` as Glue requests."""
        self.validate()
        workflow = {
            k: v
            for k, v in self.__dict__.items()
            if k in self._validator and k not in ("Entities", "OnSchedule")
        }
        crawlers, jobs, triggers = self.Entities.to_json(self.Name, self.OnSchedule, name_suffix)
        return {"Workflow": workflow, "Crawlers": crawlers, "Jobs": jobs, "Triggers": triggers}
