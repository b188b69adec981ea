"""The network view: the client, the people and the ties among them as a graph.

Edge width gives strength (closeness for the client's ties, the tie weight between people,
DESIGN.md §4); the colour of a client-person edge is the relationship type and of a
person-person edge its kind (close in blue, conflict in vermillion and dashed, knows in
grey). People are drawn with the markers of the closeness circle. Positions are seeded and
come from the whole record (:func:`ipt_graph.plotting.layout.network_positions`), so each
person stays in place from session to session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.lines import Line2D

from .. import vocab
from . import style
from ._common import check_redact, get_ax, people_of
from ._points import PointItem, equal_frame, label_points, title_above
from .circle import _marker_reach, draw_person, legend_handles
from .layout import network_positions

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..inventory import Inventory

__all__ = ["plot_network"]

#: The order in which a pair's kinds decide its colour: the most telling kind wins.
_KIND_ORDER = ("conflict", "close", "knows")


def plot_network(
    inventory: Inventory,
    *,
    ax: Axes | None = None,
    redact: bool | str = False,
    labels: str = "auto",
    legend: bool = True,
    key: bool = True,
    threshold: float = vocab.TYPE_THRESHOLD,
    seed: int = 7,
    title: str | bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw one inventory as a network: the client at the centre, people and their ties.

    Parameters
    ----------
    inventory : Inventory
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None.
    redact, labels, legend, key, threshold, title
        As in :func:`ipt_graph.plot_circle`.
    seed : int
        Seed of the force-directed layout; the same record and seed give the same picture.
    **kwargs
        Passed to every person's marker.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Edge widths: ``0.6 + 2.6 * closeness`` points from the client, ``0.5 + 2 * weight``
    between people. Artists carry gids ``person:<id>``,
    ``edge:ego:<id>``, ``edge:<a>:<b>`` and ``label:<id>`` as in the circle.
    """
    ax = get_ax(ax)
    with style.rc():
        _draw(inventory, ax, check_redact(redact), labels, legend, key, threshold, seed,
              title, kwargs)
    return ax


def _draw(inventory, ax, redact, labels, legend, key, threshold, seed, title, kwargs) -> None:
    client = inventory.client
    positions = network_positions(client, seed=seed)
    people = [p for p in people_of(inventory, redact, threshold) if p.person_id in positions]
    on_map = {p.person_id for p in people}
    ax.set_axis_off()
    entries: dict[str, Any] = {}
    graph = inventory.to_networkx()
    for a, b, data in graph.edges(data=True):
        if "ego" in (a, b):
            pid = b if a == "ego" else a
            if pid not in on_map:
                continue
            person = next(p for p in people if p.person_id == pid)
            strength = data.get("strength", 0.0)
            strength = 0.3 if strength != strength else strength  # NaN: no ring observed
            (x0, y0), (x1, y1) = positions["ego"], positions[pid]
            ax.add_line(Line2D([x0, x1], [y0, y1], linewidth=0.6 + 2.6 * strength,
                               color=style.type_style(person.kind).colour if person.kind
                               else style.GREY, alpha=0.55, solid_capstyle="round",
                               linestyle=":" if person.deceased else "-", zorder=1,
                               gid=f"edge:ego:{pid}"))
        else:
            if a not in on_map or b not in on_map:
                continue
            kinds = data.get("kinds", frozenset({"knows"}))
            kind = next(k for k in _KIND_ORDER if k in kinds)
            (x0, y0), (x1, y1) = positions[a], positions[b]
            ax.add_line(Line2D([x0, x1], [y0, y1], linewidth=0.5 + 2 * data["strength"],
                               color=style.TIE_COLOURS[kind], alpha=0.8,
                               linestyle="--" if kind == "conflict" else "-", zorder=1.2,
                               gid=f"edge:{a}:{b}"))
            entries[f"tie_{kind}"] = None
    ax.scatter([0], [0], s=13 ** 2, marker="*", color=style.INK, zorder=3, gid="ego")
    marks: list[tuple[float, float, float, str | None]] = [(0.0, 0.0, 7.5, "ego")]
    items = []
    for person in people:
        x, y = positions[person.person_id]
        diameter = style.marker_size(person.support)
        marks += draw_person(ax, person, x, y, diameter, entries, kwargs)
        reach = _marker_reach(style.type_style(person.kind).marker, diameter) + 1.0
        if person.focus:
            reach = max(reach, (diameter + 7) / 2 + 0.8)
        items.append(PointItem(person.person_id, person.label, person.number, x, y, reach,
                               _props(person)))
    handles = legend_handles(entries) if legend else None
    if handles:
        handles.insert(len(style.TYPE_STYLES), (Line2D([], [], color=style.GREY, linewidth=2.5),
                                                "client's tie: width = closeness"))

    shown = [positions["ego"], *(positions[p.person_id] for p in people)]
    xs, ys = [x for x, _ in shown], [y for _, y in shown]
    half = max(max(xs) - min(xs), max(ys) - min(ys), 0.5) / 2 + 0.08
    mx, my = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    extent = (mx - half, mx + half, my - half, my + half)

    def frame(panel_width: float):
        pt = ax.get_figure(root=True).dpi / 72
        return equal_frame(ax, extent, (14 * pt,) * 4, panel_width)

    _, used = label_points(ax, items, marks=marks, frame=frame, handles=handles, labels=labels,
                           key=key)
    if title:
        title_above(ax, title if isinstance(title, str) else
                    f"{client.client_id} \u00b7 session {inventory.session}", used, extent[0])
    style.check_glyphs([p.label for p in people])


def _props(person) -> dict[str, Any]:
    return dict(fontweight="bold" if person.focus else "normal",
                fontstyle="italic" if person.departed else "normal",
                multialignment="center")
