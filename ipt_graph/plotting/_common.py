"""Helpers shared by the figures: the people to draw, their labels, the axes to draw on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import vocab
from ..model import display_name
from .layout import circle_layout

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..inventory import Inventory
    from ..model import Client

__all__ = ["PersonView", "client_of", "focus_stages", "get_ax", "people_of", "redacted_labels"]

DECEASED_MARK = "\u2020"  # dagger, the genealogical sign for a deceased person


def get_ax(ax: Axes | None) -> Axes:
    """The axes to draw on: ``ax``, or pyplot's current axes when none is given."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def value(x: Any) -> Any:
    """A table cell as a plain Python value (None for any missing value)."""
    if x is None or x is pd.NA:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(x, "item"):
        return x.item()
    return x


def check_redact(redact: Any) -> str | None:
    """Normalise ``redact``: None (labels), ``"code_role"`` (True), ``"role"`` or ``"code"``."""
    if redact is False or redact is None:
        return None
    if redact is True:
        return "code_role"
    if redact in ("role", "code"):
        return redact
    raise ValueError(f"redact must be one of False, True, 'role', 'code', got {redact!r}")


def redacted_labels(client: Client, redact: str | None) -> dict[str, str]:
    """The text naming each person in figures.

    ``None``: the label, or ``"p1 (partner)"`` for a person without one;
    ``"code_role"`` (``redact=True``): ``"p1 (partner)"``, as every view of ipt_graph shows a
    redacted person (:func:`ipt_graph.model.display_name`); ``"code"``: ``"p1"``;
    ``"role"``: the role, numbered when several people share one ("friend 1", "friend 2") in
    layout order over the whole record, so the names are the same in every session.
    """
    people = {p.person_id: p for p in client.people}
    order = list(circle_layout(client).order)
    order += [pid for pid in people if pid not in order]
    if redact in (None, "code_role"):
        return {pid: display_name(pid, people[pid].label, str(people[pid].role),
                                  redact == "code_role") for pid in order}
    if redact == "code":
        return {pid: pid for pid in order}
    roles = {pid: str(people[pid].role).replace("_", " ") for pid in order}
    counts: dict[str, int] = {}
    for role in roles.values():
        counts[role] = counts.get(role, 0) + 1
    seen: dict[str, int] = {}
    out = {}
    for pid in order:
        role = roles[pid]
        if counts[role] > 1:
            seen[role] = seen.get(role, 0) + 1
            out[pid] = f"{role} {seen[role]}"
        else:
            out[pid] = role
    return out


def focus_stages(client: Client) -> dict[str, set[str]]:
    """Focus people of every problem area: person_id -> the areas they are a focus of."""
    focus: dict[str, set[str]] = {}
    for area in client.problem_areas:
        for pid in area.focus:
            focus.setdefault(pid, set()).add(str(area.area))
    return focus


@dataclass(frozen=True)
class PersonView:
    """One person on the map, as the figures need them."""

    person_id: str
    name: str
    role: str
    sector: str
    ring: int | None
    support: int | None
    conflict: int | None
    status: str | None
    desired_ring: int | None
    dispute_stage: str | None
    kind: str | None
    focus: bool
    number: int

    @property
    def deceased(self) -> bool:
        return self.status == vocab.Status.deceased

    @property
    def departed(self) -> bool:
        from .style import DEPARTED_STATUSES

        return self.status in DEPARTED_STATUSES

    @property
    def label(self) -> str:
        """The name as drawn: with a dagger for the deceased and the dispute stage if any."""
        text = self.name
        if self.deceased:
            text += f" {DECEASED_MARK}"
        if self.dispute_stage:
            text += f"\n({self.dispute_stage})"
        return text


def people_of(inventory: Inventory, redact: str | None = None,
              threshold: float = vocab.TYPE_THRESHOLD) -> list[PersonView]:
    """The people on the map of ``inventory``, in layout order."""
    client = inventory.client
    layout = circle_layout(client)
    names = redacted_labels(client, redact)
    focus = focus_stages(client)
    table = inventory.people
    views = []
    for row in table.to_dict("records"):
        pid = str(row["person_id"])
        support, conflict = value(row["support"]), value(row["conflict"])
        kind = vocab.relationship_type(support, conflict, threshold)
        views.append(PersonView(
            person_id=pid, name=names.get(pid, pid), role=str(row["role"]),
            sector=str(row["sector"]), ring=value(row["ring"]), support=support,
            conflict=conflict, status=value(row["status"]),
            desired_ring=value(row["desired_ring"]), dispute_stage=value(row["dispute_stage"]),
            kind=None if kind is None else str(kind), focus=pid in focus,
            number=layout.number(pid) if pid in layout.angles else 0))
    views.sort(key=lambda v: v.number)
    return views


def client_of(obj: Any) -> Client:
    """The client of a Client or an Inventory."""
    from ..inventory import Inventory
    from ..model import Client

    if isinstance(obj, Client):
        return obj
    if isinstance(obj, Inventory):
        return obj.client
    raise TypeError(f"expected a Client or an Inventory, got {type(obj).__name__}")


def check_sessions(client: Client, sessions: Any) -> list[int]:
    """Session numbers to draw: every session when None; each must be in the record."""
    if sessions is None:
        return [s.number for s in client.sessions]
    return [client.session(int(number)).number for number in sessions]
