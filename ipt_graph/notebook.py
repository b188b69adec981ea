"""Jupyter: rich display of clients, inventories and changes, and the inventory editor.

Rich display. :func:`client_html`, :func:`inventory_html` and :func:`change_html` render a
compact summary table and the closeness circle, inline as SVG, for a notebook cell's output;
``Client``, ``Inventory`` and ``Change`` call them from their ``_repr_html_``. Everything a
user typed is HTML-escaped (Jinja2 with autoescape on; matplotlib escapes the text in the
SVG). ``redact=True``, or wrapping an object in :class:`Redacted`, names people by id and
role (``p1 (partner)``) and leaves out the client's label and every free-text field, for a
screen shared in supervision or teaching. The plain ``repr`` of each object stays short and
holds no labels. A PHQ-9 item 9 above 0 (thoughts of self-harm) is flagged first, wherever a
score is shown (DOMAIN.md §6).

The editor. :func:`edit` returns an :class:`Editor`, an ipywidgets panel to add people, rate
them at a session, take them off the map and save the case file, with the circle redrawn
after every change. It uses only the client's building methods, so an invalid entry is
refused with the library's own messages and the record stays as it was.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import vocab
from .errors import IptGraphError, NotFoundError, ValidationError
from .model import TEXT_RATING_FIELDS, display_name

if TYPE_CHECKING:
    from .change import Change
    from .inventory import Inventory
    from .model import Client

__all__ = [
    "Editor",
    "Redacted",
    "change_html",
    "circle_svg",
    "client_html",
    "edit",
    "inventory_html",
    "to_html",
]

#: The measures shown beside an inventory, and first -> last in a change.
SHOWN_METRICS: tuple[tuple[str, str], ...] = (
    ("n_people", "people on the map"),
    ("n_ring_1", "in the inner ring"),
    ("n_confidants", "confidants"),
    ("support_mean", "mean support"),
    ("conflict_mean", "mean conflict"),
    ("n_ambivalent", "ambivalent"),
    ("n_ties", "ties between people"),
    ("density", "density"),
    ("constraint", "constraint"),
    ("sni_diversity", "SNI-derived diversity"),
    ("desired_ring_gap", "desired-ring gap"),
)
_SVG_SALT = "ipt-graph"  # fixed ids in the SVG, so the same record draws the same output

# --- Templates --------------------------------------------------------------------------------

_STYLE = """<style>
.ipt-graph {font-family: sans-serif; font-size: 13px; line-height: 1.35}
.ipt-graph h4 {margin: 0.2em 0 0.4em}
.ipt-graph .ig-row {display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start}
.ipt-graph table {border-collapse: collapse; margin: 0 0 0.6em}
.ipt-graph th, .ipt-graph td {padding: 1px 8px; text-align: left; vertical-align: top;
  border-bottom: 1px solid #e4e4e4}
.ipt-graph th {font-weight: 600}
.ipt-graph td.num {text-align: right}
.ipt-graph .ig-carried {color: #777; font-style: italic}
.ipt-graph .ig-flag {background: #fde8e8; border-left: 4px solid #c0392b; padding: 4px 8px;
  margin: 0 0 0.6em; font-weight: 600}
.ipt-graph .ig-circle svg {max-width: 460px; height: auto}
.ipt-graph .ig-note {color: #666}
</style>"""

_MACROS = """
{% macro flags(flagged) -%}
{% if flagged %}<div class="ig-flag">PHQ-9 item 9 (thoughts of self-harm) above 0 at session
{{ flagged | join(", ") }}: review risk.</div>{% endif %}
{%- endmacro %}
{% macro facts(rows) -%}
<table>{% for name, value in rows %}<tr><th>{{ name }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
{%- endmacro %}
{% macro people(rows) -%}
{% if rows %}<table><tr><th>person</th><th>role</th><th>ring</th><th>support</th>
<th>conflict</th><th>type</th><th>status</th></tr>
{% for p in rows %}<tr><td>{{ p.name }}</td><td>{{ p.role }}</td>
{% for cell in p.cells %}<td class="num{% if cell.carried %} ig-carried{% endif %}"
{% if cell.title %} title="{{ cell.title }}"{% endif %}>{{ cell.text }}</td>{% endfor %}
<td>{{ p.type }}</td><td>{{ p.status }}</td></tr>
{% endfor %}</table>
{% if carried %}<div class="ig-note">In grey: carried forward from an earlier session
(hover for the session it was observed at).</div>{% endif %}
{% else %}<div class="ig-note">No one on the map at this session.</div>{% endif %}
{%- endmacro %}
"""

_INVENTORY = _MACROS + """
<div class="ipt-graph">{{ style }}
{{ flags(flagged) }}
<h4>{{ title }}</h4>
<div class="ig-row"><div>{{ facts(facts_rows) }}{{ people(people_rows) }}</div>
{% if svg %}<div class="ig-circle">{{ svg }}</div>{% endif %}</div></div>
"""

_CLIENT = _MACROS + """
<div class="ipt-graph">{{ style }}
{{ flags(flagged) }}
<h4>{{ title }}</h4>
<div class="ig-row"><div>{{ facts(facts_rows) }}
{% if outcomes %}<table><tr><th>measure</th><th>start</th><th>end</th><th>outcome</th></tr>
{% for o in outcomes %}<tr><td>{{ o.name }}</td><td>{{ o.start }}</td><td>{{ o.end }}</td>
<td>{{ o.category }}</td></tr>{% endfor %}</table>{% endif %}
{% if session_title %}<h4>{{ session_title }}</h4>{{ people(people_rows) }}{% endif %}
</div>
{% if svg %}<div class="ig-circle">{{ svg }}</div>{% endif %}</div></div>
"""

_CHANGE = _MACROS + """
<div class="ipt-graph">{{ style }}
<h4>{{ title }}</h4>
<ul>{% for sentence in sentences %}<li>{{ sentence }}</li>{% endfor %}</ul>
<div class="ig-row"><div>
{% if rows %}<table><tr><th>person</th><th>role</th><th></th><th>ring</th><th>support</th>
<th>conflict</th><th>type</th></tr>
{% for p in rows %}<tr><td>{{ p.name }}</td><td>{{ p.role }}</td><td>{{ p.membership }}</td>
<td>{{ p.ring }}</td><td>{{ p.support }}</td><td>{{ p.conflict }}</td><td>{{ p.type }}</td>
</tr>{% endfor %}</table>{% endif %}
<table><tr><th>measure</th><th>session {{ before }}</th><th>session {{ after }}</th>
<th>change</th></tr>
{% for name, a, b, d in metrics %}<tr><td>{{ name }}</td><td class="num">{{ a }}</td>
<td class="num">{{ b }}</td><td class="num">{{ d }}</td></tr>{% endfor %}</table>
</div>{% if svg %}<div class="ig-circle">{{ svg }}</div>{% endif %}</div></div>
"""


@functools.cache
def _templates() -> dict[str, Any]:
    from jinja2 import Environment, StrictUndefined

    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)
    return {name: environment.from_string(source) for name, source in
            (("inventory", _INVENTORY), ("client", _CLIENT), ("change", _CHANGE))}


def _render(name: str, **context: Any) -> str:
    from markupsafe import Markup

    svg = context.get("svg")
    context["svg"] = Markup(svg) if svg else None  # matplotlib escapes the text it writes
    context["style"] = Markup(_STYLE)
    return _templates()[name].render(**context).strip()


# --- The circle as SVG ------------------------------------------------------------------------


def _figure_svg(figure: Any) -> str:
    """A matplotlib figure as an inline ``<svg>`` element (no XML prolog, fixed ids)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": _SVG_SALT}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):].strip()


def circle_svg(inventory: Inventory, redact: bool | str = False,
               figsize: tuple[float, float] = (6.0, 4.5)) -> str:
    """The closeness circle of ``inventory`` as an ``<svg>`` element, for HTML.

    Drawn by :func:`ipt_graph.plot_circle` on a :class:`matplotlib.figure.Figure` (pyplot's
    state is left alone). Each person's marker is a group with the id ``person:<id>``. The
    output is the same for the same inventory (the SVG's date is left out and its ids are
    salted with a fixed value).
    """
    from matplotlib.figure import Figure

    from .plotting import plot_circle

    figure = Figure(figsize=figsize)
    plot_circle(inventory, ax=figure.add_subplot(), redact=redact)
    return _figure_svg(figure)


def _circles_svg(client: Client, sessions: list[int], redact: bool) -> str:
    """Circles of several sessions side by side, with the change marked when available."""
    from . import plotting

    plot_circles = getattr(plotting, "plot_circles", None)
    if plot_circles is not None:
        return _figure_svg(plot_circles(client, sessions, redact=redact))
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.0 * len(sessions), 4.5))
    axes = figure.subplots(1, len(sessions), squeeze=False)[0]
    for ax, number in zip(axes, sessions, strict=True):
        plotting.plot_circle(client.inventory(number), ax=ax, redact=redact)
    return _figure_svg(figure)


# --- Pieces shared by the views ---------------------------------------------------------------


def _words(token: Any) -> str:
    return "" if token is None else str(token).replace("_", " ")


def _number(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    return None if _missing(value) else value


def _item9_sessions(client: Client, up_to: int | None = None) -> list[int]:
    from .outcomes import item9_flags

    flags = item9_flags(client)
    flagged = flags.loc[flags["flag"].fillna(False).astype(bool), "session"].tolist()
    return [int(s) for s in flagged if up_to is None or s <= up_to]


def _people_rows(inventory: Inventory, redact: bool) -> list[dict[str, Any]]:
    rows = []
    session = inventory.session
    for record in inventory.people.to_dict("records"):
        cells = []
        for name in ("ring", "support", "conflict"):
            value, seen = _plain(record[name]), _plain(record[f"{name}_observed_at"])
            carried = value is not None and seen is not None and seen != session
            cells.append({"text": _number(value), "carried": carried,
                          "title": f"observed at session {seen}" if seen is not None else ""})
        rows.append({
            "name": display_name(record["person_id"], _plain(record["label"]),
                                 record["role"], redact),
            "role": _words(record["role"]), "cells": cells,
            "type": _words(_plain(record["type"])), "status": _words(_plain(record["status"])),
        })
    return rows


def _session_title(inventory: Inventory) -> str:
    session = inventory.client.session(inventory.session)
    parts = [str(session.date)] if session.date else []
    if session.phase:
        parts.append(f"{session.phase} phase")
    if not session.attended:
        parts.append("missed")
    extra = f" ({', '.join(parts)})" if parts else ""
    return f"Session {inventory.session}{extra}"


def _inventory_facts(inventory: Inventory) -> list[tuple[str, str]]:
    metrics = inventory.metrics()
    rows = [(label, _number(metrics[name])) for name, label in SHOWN_METRICS
            if not (isinstance(metrics[name], float) and math.isnan(metrics[name]))]
    rows.append(("carried values", f"{metrics['n_carried']} (oldest from "
                                   f"{metrics['max_staleness']} sessions ago)"))
    session = inventory.client.session(inventory.session)
    for name in sorted(session.measures):
        from .model import measure_total

        total = measure_total(name, session.measures[name])
        title = vocab.INSTRUMENTS[name].title if name in vocab.INSTRUMENTS else name
        if total is not None:
            rows.append((title, _number(total)))
    return rows


# --- The views --------------------------------------------------------------------------------


def inventory_html(inventory: Inventory, redact: bool = False) -> str:
    """One inventory as HTML: the session, its measures, the people table and the circle.

    Parameters
    ----------
    inventory : Inventory
    redact : bool
        Name people by id and role instead of their label (``p1 (partner)``).

    Returns
    -------
    str
        An HTML fragment; every text is escaped. Values carried forward from an earlier
        session are shown in grey, with the session they were observed at on hover.
    """
    client = inventory.client
    kind = " (observed only)" if inventory.observed_only else ""
    people = _people_rows(inventory, redact)
    return _render(
        "inventory",
        title=f"{client.client_id} · {_session_title(inventory)}{kind}",
        flagged=_item9_sessions(client, up_to=inventory.session)[-3:],
        facts_rows=_inventory_facts(inventory),
        people_rows=people,
        carried=any(cell["carried"] for person in people for cell in person["cells"]),
        svg=circle_svg(inventory, redact=redact) if not inventory.observed_only else None,
    )


def client_html(client: Client, redact: bool = False) -> str:
    """A client as HTML: the record in brief, symptom outcomes and the latest circle.

    Parameters
    ----------
    client : Client
    redact : bool
        Leave out the client's label and the free text of problem areas, and name people by
        id and role.

    Returns
    -------
    str
        An HTML fragment; every text is escaped. A PHQ-9 item 9 above 0 at any session is
        flagged first.
    """
    title = f"Client {client.client_id}"
    if client.label and not redact:
        title += f" · {client.label}"
    sessions = client.sessions
    # typed ring labels are free text: the defaults when redacting
    ring_names = vocab.default_ring_labels(client.rings) if redact else client.ring_names
    facts = [("rings", f"{client.rings} ({', '.join(ring_names)})")]
    if sessions:
        attended = sum(s.attended for s in sessions)
        missed = [str(s.number) for s in sessions if not s.attended]
        text = f"{len(sessions)}, {attended} attended"
        if missed:
            text += f"; missed: {', '.join(missed)}"
        if client.planned_sessions:
            text += f" (of {client.planned_sessions} planned)"
        facts.append(("sessions", text))
        dates = [s.date for s in sessions if s.date is not None]
        if dates:
            facts.append(("dates", f"{dates[0]} to {dates[-1]}"))
    else:
        facts.append(("sessions", "none yet"))
    facts.append(("people in the record", str(len(client.people))))
    for area in sorted(client.problem_areas, key=lambda a: not a.primary):
        focus = ", ".join(client.display_name(pid, redact) for pid in area.focus)
        text = focus or "–"
        if area.old_role and area.new_role and not redact:
            text += f"; {area.old_role} → {area.new_role}"
        facts.append((_words(area.area) + (" (primary)" if area.primary else ""), text))
    outcomes = []
    if sessions:
        for row in client.outcomes().to_dict("records"):
            title_of = vocab.INSTRUMENTS.get(row["instrument"])
            outcomes.append({
                "name": title_of.title if title_of else row["instrument"],
                "start": f"{_number(row['start_score'])} (session {row['start_session']})",
                "end": f"{_number(row['end_score'])} (session {row['end_session']})",
                "category": _words(_plain(row["category"])) or "–",
            })
    inventory = client.inventory() if sessions else None
    people = _people_rows(inventory, redact) if inventory is not None else []
    return _render(
        "client", title=title, flagged=_item9_sessions(client), facts_rows=facts,
        outcomes=outcomes,
        session_title=f"Latest map: {_session_title(inventory)}" if inventory is not None else "",
        people_rows=people,
        carried=any(cell["carried"] for person in people for cell in person["cells"]),
        svg=circle_svg(inventory, redact=redact) if inventory is not None else None,
    )


def change_html(change: Change, redact: bool = False, client: Client | None = None) -> str:
    """A change between two inventories as HTML: sentences, a table per person, measures.

    Parameters
    ----------
    change : Change
        From :func:`ipt_graph.compare`.
    redact : bool
        Name people by id and role.
    client : Client, optional
        The client the change is of, to draw the two circles side by side; by default the
        change's own ``client`` attribute when it has one (without a client, no circles).

    Returns
    -------
    str
        An HTML fragment; every text is escaped.
    """
    rows = []
    for p in change.people:
        rows.append({
            "name": display_name(p.person_id, p.label, p.role, redact), "role": _words(p.role),
            "membership": p.membership + (" (returned)" if p.returned else ""),
            "ring": _arrow(p.ring_before, p.ring_after),
            "support": _arrow(p.support_before, p.support_after),
            "conflict": _arrow(p.conflict_before, p.conflict_after),
            "type": _arrow(_words(p.type_before) or None, _words(p.type_after) or None),
        })
    metrics = [(label, _number(change.metrics_before[name]),
                _number(change.metrics_after[name]), _signed(change.metric_deltas[name]))
               for name, label in SHOWN_METRICS]
    svg = None
    if client is None:
        client = getattr(change, "client", None)
    if client is not None:
        if client.client_id != change.client_id:
            raise ValueError(f"client must be the client of the change ({change.client_id}), "
                             f"got {client.client_id}")
        svg = _circles_svg(client, [change.session_before, change.session_after], redact)
    return _render(
        "change",
        title=f"{change.client_id}: change from session {change.session_before} to session "
              f"{change.session_after}",
        sentences=change.summary(redact=redact), rows=rows, metrics=metrics,
        before=change.session_before, after=change.session_after, svg=svg,
    )


def _arrow(before: Any, after: Any) -> str:
    before, after = _plain(before), _plain(after)
    if before is None and after is None:
        return "–"
    if before == after:
        return _number(after)
    return f"{_number(before)} → {_number(after)}"


def _signed(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + _number(abs(value))


def to_html(obj: Any, redact: bool = False) -> str:
    """The rich display of a Client, an Inventory or a Change (or a Redacted one)."""
    from .change import Change
    from .inventory import Inventory
    from .model import Client

    if isinstance(obj, Redacted):
        return to_html(obj.obj, redact=True)
    if isinstance(obj, Client):
        return client_html(obj, redact=redact)
    if isinstance(obj, Inventory):
        return inventory_html(obj, redact=redact)
    if isinstance(obj, Change):
        return change_html(obj, redact=redact)
    raise TypeError(f"no rich display for {type(obj).__name__}; expected a Client, an "
                    "Inventory or a Change")


class Redacted:
    """Show a Client, Inventory or Change with people named by id and role, no labels.

    The last expression of a cell renders redacted: ``ig.notebook.Redacted(client)``. The
    object itself is unchanged (``.obj``).

    Examples
    --------
    >>> import ipt_graph as ig
    >>> Redacted(ig.Client("C-1"))
    Redacted(Client('C-1', rings=3, people=0, sessions=0))
    """

    def __init__(self, obj: Any):
        self.obj = obj

    def _repr_html_(self) -> str:
        return to_html(self.obj, redact=True)

    def __repr__(self) -> str:
        return f"Redacted({self.obj!r})"


# --- The editor -------------------------------------------------------------------------------

_NONE = "–"
_RATING_CHOICES: dict[str, tuple[str, ...]] = {
    "status": tuple(vocab.Status),
    "contact": tuple(vocab.Contact),
    "expectations_met": tuple(vocab.ExpectationsMet),
    "dispute_stage": tuple(vocab.DisputeStage),
}
_DESCRIPTIONS = {
    "ring": "Ring (1 = innermost)",
    "support": "Support: how helpful when support is needed? (1-6)",
    "conflict": "Conflict: how upsetting? (1-6)",
    "desired_ring": "Desired ring",
    "expectations_met": "Expectations met",
    "dispute_stage": "Dispute stage",
    "desired_change": "Desired change",
}


def edit(client: Client, session: int | None = None,
         path: str | os.PathLike[str] | None = None, *, redact: bool = False) -> Editor:
    """An ipywidgets panel to build and re-rate a client's inventory in a notebook.

    Parameters
    ----------
    client : Client
        The record to edit, changed in place through its building methods.
    session : int, optional
        The session to rate at (default: the latest). Other sessions can be picked in the
        panel.
    path : str or path-like, optional
        The case file the Save button writes (atomically, with :func:`ipt_graph.save`).
    redact : bool
        Name people by id and role in the panel and the circle.

    Returns
    -------
    Editor
        Display it as the last expression of a cell.

    Raises
    ------
    NotFoundError
        ``session`` is not in the record, or the record has no session yet.
    ImportError
        ipywidgets is missing (install the ``notebook`` extra).

    Notes
    -----
    Rating fields left at "–" are not observed at the session: the values of earlier
    sessions carry forward (DESIGN.md §3); they are listed under the fields. The fields show
    what was observed *at* the chosen session, so applying a rating never turns carried
    values into new observations.
    """
    return Editor(client, session=session, path=path, redact=redact)


class Editor:
    """The inventory editor (see :func:`edit`), holding an :class:`ipywidgets.VBox`.

    Display it as the last expression of a cell (it shows its ``panel``). Every control is
    an attribute, so code (and tests) can drive the panel as the front end does, by setting
    ``.value`` and calling ``.click()``:

    - ``session_picker`` (Dropdown): the session rated at;
    - ``people`` (Select): everyone in the record; choosing one loads their rating;
    - ``person_id``, ``label`` (Text), ``role`` (Dropdown) and ``add_person_button``;
      ``update_person_button`` changes the chosen person's label and role (when the
      library offers ``Client.update_person``);
    - ``fields``: a dict of the rating widgets by field name (``ring``, ``support``,
      ``conflict``, ``status``, ``contact``, ``confidant``, ``desired_ring``,
      ``expectations_met``, ``dispute_stage`` and the text fields), each also an attribute;
      ``apply_button`` rates the chosen person; ``remove_button`` takes them off the map
      from this session on;
    - ``path_field`` (Text) and ``save_button``;
    - ``message`` (HTML): the library's messages when a change is refused;
    - ``carried`` (HTML): values carried forward from earlier sessions;
    - ``circle`` (HTML): the closeness circle at the session, redrawn after each change.
    """

    def __init__(self, client: Client, *, session: int | None = None,
                 path: str | os.PathLike[str] | None = None, redact: bool = False):
        try:
            import ipywidgets as w
        except ImportError:  # pragma: no cover - the notebook extra installs it
            raise ImportError("the inventory editor needs ipywidgets: "
                              "pip install 'ipt_graph[notebook]'") from None

        if not client.sessions:
            raise NotFoundError(f"client {client.client_id} has no sessions yet: add one "
                                "with client.add_session(1, date=...) first")
        number = client.sessions[-1].number if session is None else client.session(
            session).number
        self.client = client
        self.redact = redact
        layout = w.Layout(width="auto")
        style = {"description_width": "initial"}

        self.session_picker = w.Dropdown(description="Session", options=self._sessions(),
                                         value=number, style=style)
        self.people = w.Select(description="People", options=[], rows=8,
                               layout=w.Layout(width="320px"))
        self.person_id = w.Text(description="person_id", placeholder="p1", style=style)
        self.label = w.Text(description="Label", placeholder="how the client names them",
                            style=style)
        self.role = w.Dropdown(description="Role", options=[str(r) for r in vocab.Role],
                               value=str(vocab.Role.other), style=style)
        self.add_person_button = w.Button(description="Add person", icon="user-plus")
        self.update_person_button = w.Button(
            description="Update person", icon="pencil",
            disabled=not callable(getattr(client, "update_person", None)),
            tooltip="change the chosen person's label and role")
        self.fields: dict[str, Any] = {}
        rings = [(_NONE, None)] + [(str(k), k) for k in range(1, client.rings + 1)]
        scale = [(_NONE, None)] + [(str(k), k)
                                   for k in range(vocab.RATING_MIN, vocab.RATING_MAX + 1)]
        self.fields["ring"] = w.Dropdown(options=rings, value=None)
        self.fields["support"] = w.Dropdown(options=scale, value=None)
        self.fields["conflict"] = w.Dropdown(options=scale, value=None)
        for name in ("status", "contact"):
            self.fields[name] = w.Dropdown(options=self._choices(name), value=None)
        self.fields["confidant"] = w.Dropdown(options=[(_NONE, None), ("yes", True),
                                                       ("no", False)], value=None)
        self.fields["desired_ring"] = w.Dropdown(options=rings, value=None)
        for name in ("expectations_met", "dispute_stage"):
            self.fields[name] = w.Dropdown(options=self._choices(name), value=None)
        for name in TEXT_RATING_FIELDS:
            self.fields[name] = w.Textarea(rows=1, layout=w.Layout(width="98%"))
        for name, widget in self.fields.items():
            widget.description = _DESCRIPTIONS.get(name, name.replace("_", " ").capitalize())
            widget.style = style
            setattr(self, name, widget)
        self.apply_button = w.Button(description="Apply rating", icon="check",
                                     button_style="primary")
        self.remove_button = w.Button(description="Remove from map", icon="user-times",
                                      tooltip="the person leaves the map from this session on")
        self.path_field = w.Text(description="Case file", value="" if path is None else
                                 str(path), placeholder="case.json", style=style,
                                 layout=w.Layout(width="420px"))
        self.save_button = w.Button(description="Save", icon="save")
        self.message = w.HTML()
        self.carried = w.HTML()
        self.circle = w.HTML()

        self.add_person_button.on_click(lambda _: self._add_person())
        self.update_person_button.on_click(lambda _: self._update_person())
        self.apply_button.on_click(lambda _: self._apply())
        self.remove_button.on_click(lambda _: self._remove())
        self.save_button.on_click(lambda _: self._save())
        self.people.observe(lambda _: self._load_person(), names="value")
        self.session_picker.observe(lambda _: self._change_session(), names="value")

        numbers = list(self.fields)[:9]
        texts = list(self.fields)[9:]
        person_box = w.VBox([w.HTML("<b>Person</b>"), self.person_id, self.label, self.role,
                             w.HBox([self.add_person_button, self.update_person_button])])
        rating_box = w.VBox([w.HTML("<b>Rating at the session</b>"),
                             *(self.fields[n] for n in numbers), self.carried,
                             *(self.fields[n] for n in texts),
                             w.HBox([self.apply_button, self.remove_button])],
                            layout=w.Layout(width="520px"))
        left = w.VBox([self.session_picker, self.people, person_box])
        self.saved_to: Path | None = None
        self.panel = w.VBox([
            w.HBox([left, rating_box], layout=layout),
            self.message,
            w.HBox([self.path_field, self.save_button]),
            self.circle,
        ])
        self._refresh(select=None)
        self.person_id.value = self._next_id()

    # --- state ----------------------------------------------------------------------------

    @property
    def session(self) -> int:
        """The session being rated."""
        return self.session_picker.value

    @property
    def selected(self) -> str | None:
        """The person_id of the chosen person, or None."""
        return self.people.value

    def _sessions(self) -> list[tuple[str, int]]:
        options = []
        for s in self.client.sessions:
            text = f"{s.number}" + (f" ({s.date})" if s.date else "")
            options.append((text, s.number))
        return options

    @staticmethod
    def _choices(name: str) -> list[tuple[str, str | None]]:
        return [(_NONE, None)] + [(_words(v), str(v)) for v in _RATING_CHOICES[name]]

    def _next_id(self) -> str:
        taken = {p.person_id for p in self.client.people}
        numbers = [int(m.group(1)) for pid in taken if (m := re.fullmatch(r"p(\d+)", pid))]
        return f"p{max(numbers, default=0) + 1}"

    def _name(self, person_id: str) -> str:
        name = self.client.display_name(person_id, self.redact)
        on_map = person_id in self._on_map
        return name if on_map else f"{name} (not on the map)"

    def _refresh(self, select: str | None) -> None:
        """Redraw the list of people and the circle from the record."""
        inventory = self.client.inventory(self.session)
        self._on_map = set(inventory.person_ids)
        options = [(self._name(p.person_id), p.person_id) for p in self.client.people]
        current = select if select is not None else self.people.value
        self.people.options = options
        ids = [pid for _, pid in options]
        self.people.value = current if current in ids else None
        self._load_person()
        self.circle.value = circle_svg(inventory, redact=self.redact)

    def _load_person(self) -> None:
        """Fill the fields with what was observed about the chosen person at the session."""
        pid = self.people.value
        rating = next((r for r in self.client.ratings
                       if pid is not None and r.session == self.session
                       and r.person_id == pid), None)
        for name, widget in self.fields.items():
            value = getattr(rating, name, None) if rating is not None else None
            if name in TEXT_RATING_FIELDS:
                widget.value = value or ""
            else:
                widget.value = value if value is None or isinstance(value, int) else str(value)
        if pid is not None:
            person = self.client.person(pid)
            self.label.value = "" if self.redact else person.label or ""
            self.role.value = str(person.role)
        self.carried.value = self._carried_text(pid, rating)

    def _carried_text(self, pid: str | None, rating: Any) -> str:
        import html

        if pid is None or pid not in self._on_map:
            return ""
        inventory = self.client.inventory(self.session)
        row = inventory.people.set_index("person_id").loc[pid]
        observed = set() if rating is None else set(rating.values())
        parts = []
        for name in ("ring", "support", "conflict", "status", "contact", "confidant",
                     "desired_ring", "expectations_met", "dispute_stage"):
            value, seen = _plain(row[name]), _plain(row[f"{name}_observed_at"])
            if value is not None and name not in observed:
                shown = _yes_no(value) if name == "confidant" else _words(value)
                parts.append(f"{name.replace('_', ' ')} {shown} (session {seen})")
        if not parts:
            return ""
        return ("<span style='color:#666'>Carried forward: "
                + html.escape("; ".join(parts)) + "</span>")

    # --- actions --------------------------------------------------------------------------

    def _attempt(self, change: Callable[[], Any], done: str) -> bool:
        """Run a building call; show the library's problems when it refuses the change."""
        import html

        try:
            change()
        except ValidationError as error:
            lines = "".join(f"<li>{html.escape(str(p), quote=False)}</li>"
                            for p in error.problems)
            self.message.value = (f"<div style='color:#b00020'><b>Not changed:</b>"
                                  f"<ul>{lines}</ul></div>")
            return False
        except (NotFoundError, IptGraphError, OSError) as error:
            self.message.value = (f"<div style='color:#b00020'><b>Not changed:</b> "
                                  f"{html.escape(str(error), quote=False)}</div>")
            return False
        self.message.value = f"<div style='color:#1b5e20'>{html.escape(done, quote=False)}</div>"
        return True

    def _add_person(self) -> None:
        pid = self.person_id.value.strip()
        label = self.label.value.strip() or None
        if self._attempt(lambda: self.client.add_person(pid, label=label,
                                                        role=self.role.value),
                         f"Added {pid}: rate them to put them on the map."):
            self._refresh(select=pid)
            self.person_id.value = self._next_id()

    def _update_person(self) -> None:
        pid = self.people.value
        if pid is None:
            self.message.value = "<div style='color:#b00020'>Choose a person first.</div>"
            return
        fields = {"role": self.role.value}
        if not self.redact:  # the label field is blank when redacted: keep the label
            fields["label"] = self.label.value.strip() or None
        update = self.client.update_person  # type: ignore[attr-defined]
        if self._attempt(lambda: update(pid, **fields), f"Updated {pid}."):
            self._refresh(select=pid)

    def rating_values(self) -> dict[str, Any]:
        """The rating fields as set in the panel (fields left at "–" or empty are left out)."""
        values = {}
        for name, widget in self.fields.items():
            value = widget.value
            if name in TEXT_RATING_FIELDS:
                value = value if value and value.strip() else None
            if value is not None:
                values[name] = value
        return values

    def _apply(self) -> None:
        pid = self.people.value
        if pid is None:
            self.message.value = "<div style='color:#b00020'>Choose a person first.</div>"
            return
        values = self.rating_values()
        session = self.session
        if self._attempt(lambda: self.client.rate(session, pid, **values),
                         f"Rated {pid} at session {session}."):
            self._refresh(select=pid)

    def _remove(self) -> None:
        pid = self.people.value
        if pid is None:
            self.message.value = "<div style='color:#b00020'>Choose a person first.</div>"
            return
        session = self.session
        if self._attempt(lambda: self.client.remove(session, pid),
                         f"{pid} left the map at session {session}."):
            self._refresh(select=pid)

    def _save(self) -> None:
        from .io.casefile import save

        target = self.path_field.value.strip()
        if not target:
            self.message.value = ("<div style='color:#b00020'>Give the case file's path "
                                  "first.</div>")
            return
        if self._attempt(lambda: save(self.client, Path(target)),
                         f"Saved {self.client.client_id}."):
            self.saved_to = Path(target)

    def _change_session(self) -> None:
        self.message.value = ""
        self._refresh(select=self.people.value)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.panel._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"Editor(client={self.client.client_id!r}, session={self.session})"


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"

