"""Support x conflict: the four relationship types as regions, and each person's path.

Support ("how helpful is this person when you need support?") runs along x and conflict
("how upsetting is this person?") up y, both 1 = not at all ... 6 = extremely (Campo, Uchino
et al. 2009). The four types of DOMAIN.md §4 are shaded regions whose boundaries sit at the
typing threshold (1.5 by default: a rating above 1 counts as present), not at the scale's
midpoint. People who share a point of the integer grid are dodged around it. Given a client,
each person's ratings over the sessions form a path of arrows that ends at their latest
position; a person no longer on the map ends in a grey cross.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle

from .. import vocab
from . import labels as lab
from . import style
from ._common import PersonView, check_redact, check_sessions, client_of, get_ax, people_of
from ._points import Frame, PointItem, equal_frame, label_points, title_above
from .circle import _marker_reach, draw_person, legend_handles

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..inventory import Inventory
    from ..model import Client

__all__ = ["dodge", "plot_quadrant"]

_LOW, _HIGH = vocab.RATING_MIN - 0.5, vocab.RATING_MAX + 0.5
#: Radius (rating units) of the circle on which people sharing a grid point are dodged.
DODGE_RADIUS = 0.2
_GONE = "#AAAAAA"
#: The square never gets narrower than this share of the room in the axes: the legend and
#: key move out of the axes instead.
_MIN_SQUARE = 0.6


def dodge(count: int) -> list[tuple[float, float]]:
    """Offsets (rating units) for ``count`` people sharing one point of the grid.

    One person sits on the point; up to six sit on a circle around it; more fill a disc in a
    sunflower spiral, all within 0.4 of the point so the grid stays readable.

    Examples
    --------
    >>> dodge(1)
    [(0.0, 0.0)]
    >>> [(round(x, 2), round(y, 2)) for x, y in dodge(2)]
    [(0.0, 0.2), (0.0, -0.2)]
    """
    if count <= 1:
        return [(0.0, 0.0)]
    if count <= 6:
        return [(DODGE_RADIUS * math.sin(2 * math.pi * i / count),
                 DODGE_RADIUS * math.cos(2 * math.pi * i / count)) for i in range(count)]
    golden = math.pi * (3 - math.sqrt(5))
    return [(0.4 * math.sqrt((i + 0.5) / count) * math.cos(i * golden),
             0.4 * math.sqrt((i + 0.5) / count) * math.sin(i * golden)) for i in range(count)]


def plot_quadrant(
    client_or_inventory: Client | Inventory,
    *,
    ax: Axes | None = None,
    sessions: list[int] | None = None,
    redact: bool | str = False,
    labels: str = "auto",
    legend: bool = True,
    key: bool = True,
    threshold: float = vocab.TYPE_THRESHOLD,
    title: str | bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw support x conflict with the four relationship types as regions.

    Parameters
    ----------
    client_or_inventory : Client or Inventory
        A client draws each person's path across ``sessions`` (all by default), ending at
        their latest position; an inventory draws that session only.
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None.
    sessions : list of int, optional
        The sessions a client's paths go through.
    redact, labels, legend, key, title
        As in :func:`ipt_graph.plot_circle`.
    threshold : float
        The typing threshold: region boundaries are drawn here (DOMAIN.md §4).
    **kwargs
        Passed to every person's marker.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Artists carry gids ``region:<type>``, ``threshold:support``, ``threshold:conflict``,
    ``person:<id>`` (the latest position), ``path:<id>:<k>`` (the k-th arrow of a path),
    ``start:<id>``, ``gone:<id>`` and ``label:<id>``.
    """
    from ..inventory import Inventory

    ax = get_ax(ax)
    client = client_of(client_or_inventory)
    if isinstance(client_or_inventory, Inventory):
        inventories = [client_or_inventory]
    else:
        chosen = set(check_sessions(client, sessions))
        inventories = [inv for inv in client.inventories() if inv.session in chosen]
    with style.rc():
        _draw(ax, client, inventories, check_redact(redact), labels, legend, key, threshold,
              title, kwargs)
    return ax


def _draw(ax, client, inventories, redact, labels, legend, key, threshold, title,
          kwargs) -> None:
    # every person's (session, support, conflict) across the sessions drawn
    views: dict[str, PersonView] = {}
    track: dict[str, list[tuple[int, int, int]]] = {}
    on_last: set[str] = set()
    for inventory in inventories:
        current = people_of(inventory, redact, threshold)
        for person in current:
            if person.support is None or person.conflict is None:
                continue
            views[person.person_id] = person
            track.setdefault(person.person_id, []).append(
                (inventory.session, person.support, person.conflict))
        if inventory is inventories[-1]:
            on_last = {p.person_id for p in current}
    points = _dodged(track, views)
    _draw_regions(ax, threshold)
    entries: dict[str, Any] = {}
    marks: list[tuple[float, float, float, str | None]] = []
    items: list[PointItem] = []
    for pid, path in points.items():
        person = views[pid]
        compact = _runs(track[pid], path)
        if len(compact) > 1:
            ax.scatter([compact[0][0]], [compact[0][1]], s=4.5 ** 2, marker="o",
                       facecolors="white", edgecolors="#555555", linewidths=0.8, zorder=2.5,
                       gid=f"start:{pid}")
            marks.append((compact[0][0], compact[0][1], 3.0, f"start:{pid}"))
            for k, (a, b) in enumerate(itertools.pairwise(compact)):
                ax.add_patch(FancyArrowPatch(
                    a, b, arrowstyle="-|>,head_length=4,head_width=2", shrinkA=2.5, shrinkB=6,
                    color="#555555", alpha=0.75, linewidth=0.9, zorder=2,
                    connectionstyle="arc3,rad=0.12", gid=f"path:{pid}:{k}"))
            entries["path"] = None
        x, y = compact[-1]
        diameter = style.marker_size(person.support)
        props = dict(fontweight="bold" if person.focus else "normal",
                     fontstyle="italic" if person.departed else "normal",
                     multialignment="center")
        if pid in on_last:
            marks += draw_person(ax, person, x, y, diameter, entries, kwargs, zorder=4)
            reach = _marker_reach(style.type_style(person.kind).marker, diameter) + 1.0
            if person.focus:
                reach = max(reach, (diameter + 7) / 2 + 0.8)
        else:
            ax.scatter([x], [y], s=7 ** 2, marker="X", color=_GONE, linewidths=0, zorder=4,
                       gid=f"gone:{pid}")
            marks.append((x, y, 4.5, pid))
            reach = 5.0
            props |= dict(color="#777777", fontstyle="italic")
            entries["gone"] = None
        items.append(PointItem(pid, person.label, person.number, x, y, reach, props))
    handles = _handles(entries) if legend else None
    region_texts = _region_labels(ax, threshold)
    renderer = lab.renderer_of(ax)

    def frame(panel_width: float) -> Frame:
        pt = ax.get_figure(root=True).dpi / 72
        # the spines sit at the edge of the square, inside the axes, with room for their
        # tick labels and two-line axis labels, so nothing falls outside the axes
        margins = (44 * pt, 42 * pt, 14 * pt, 16 * pt)
        x0, y0, x1, y1 = ax.get_position(original=True).transformed(
            ax.get_figure(root=False).transSubfigure).extents
        wide = x1 - x0 - margins[0] - margins[2]
        high = y1 - y0 - margins[1] - margins[3]
        outside = bool(panel_width) and (
            wide - panel_width - 6 * pt < _MIN_SQUARE * min(wide, high))
        # narrow axes: the square keeps the rating scale at its size and the legend and key
        # go right of the axes (into the figure's margin) rather than shrink it
        used = equal_frame(ax, (_LOW, _HIGH, _LOW, _HIGH), margins,
                           0.0 if outside else panel_width, centre=False)
        if outside:
            used.panel_x0 = x1 + 6 * pt
        (bx0, by0), (bx1, by1) = used.to_px(_LOW, _LOW), used.to_px(_HIGH, _HIGH)
        used.bounds = (bx0 + 1, by0 + 1, bx1 - 1, by1 - 1)
        return used

    def fixed(current: Frame) -> list[np.ndarray]:
        for text in region_texts[3:]:
            text.remove()
        del region_texts[3:]
        region_texts.extend(_indifferent_label(ax, threshold, marks, current))
        return [np.array(t.get_window_extent(renderer).extents) for t in region_texts]

    _, used = label_points(ax, items, marks=marks, frame=frame, handles=handles, labels=labels,
                           key=key, fixed=fixed)
    _axes_dress(ax, used)
    sessions = [inv.session for inv in inventories]
    if not sessions:  # the empty square, said so
        middle = (_LOW + _HIGH) / 2
        ax.text(middle, middle, "no sessions recorded", ha="center", va="center",
                fontsize=style.LABEL_FONTSIZE, color="#555555", zorder=6, gid="empty",
                bbox=dict(boxstyle="square,pad=0.3", facecolor="white", edgecolor="none",
                          alpha=0.8))
    if title:
        span = ("no sessions" if not sessions else f"session {sessions[0]}"
                if len(sessions) == 1 else f"sessions {sessions[0]}\u2013{sessions[-1]}")
        title_above(ax, title if isinstance(title, str) else
                    f"{client.client_id} \u00b7 support \u00d7 conflict \u00b7 {span}", used,
                    _LOW)
    style.check_glyphs([v.label for v in views.values()])


def _runs(ratings: list[tuple[int, int, int]],
          points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """One point per run of sessions with the same ratings: where the person was at the run's
    last session (dodging may differ from session to session; a path shows rating changes)."""
    out: list[tuple[float, float]] = []
    for i, (rating, point) in enumerate(zip(ratings, points, strict=True)):
        if i + 1 < len(ratings) and ratings[i + 1][1:] == rating[1:]:
            continue
        out.append(point)
    return out


def _dodged(track: dict[str, list[tuple[int, int, int]]],
            views: dict[str, PersonView]) -> dict[str, list[tuple[float, float]]]:
    """Each person's path in plot coordinates, dodged where people share a grid point."""
    at: dict[tuple[int, int, int], list[str]] = {}
    for pid, path in track.items():
        for session, support, conflict in path:
            at.setdefault((session, support, conflict), []).append(pid)
    offsets: dict[tuple[int, str], tuple[float, float]] = {}
    for (session, _, _), pids in at.items():
        ordered = sorted(pids, key=lambda pid: views[pid].number)
        for pid, offset in zip(ordered, dodge(len(ordered)), strict=True):
            offsets[(session, pid)] = offset
    return {pid: [(support + offsets[(session, pid)][0], conflict + offsets[(session, pid)][1])
                  for session, support, conflict in path]
            for pid, path in sorted(track.items(), key=lambda item: views[item[0]].number)}


_REGIONS = {
    # type: (x from, x to, y from, y to) with "t" for the threshold
    "indifferent": ("low", "t", "low", "t"),
    "supportive": ("t", "high", "low", "t"),
    "aversive": ("low", "t", "t", "high"),
    "ambivalent": ("t", "high", "t", "high"),
}


def _draw_regions(ax: Axes, threshold: float) -> None:
    value = {"low": _LOW, "high": _HIGH, "t": threshold}
    for kind, (x0, x1, y0, y1) in _REGIONS.items():
        colour = style.TYPE_STYLES[kind].colour
        ax.add_patch(Rectangle((value[x0], value[y0]), value[x1] - value[x0],
                               value[y1] - value[y0], facecolor=colour, alpha=0.13,
                               edgecolor="none", zorder=0, gid=f"region:{kind}"))
    ax.add_line(Line2D([threshold, threshold], [_LOW, _HIGH], color="#555555", linewidth=0.9,
                       linestyle="--", zorder=0.5, gid="threshold:support"))
    ax.add_line(Line2D([_LOW, _HIGH], [threshold, threshold], color="#555555", linewidth=0.9,
                       linestyle="--", zorder=0.5, gid="threshold:conflict"))
    for k in range(vocab.RATING_MIN, vocab.RATING_MAX + 1):  # the integer grid, faintly
        ax.add_line(Line2D([k, k], [_LOW, _HIGH], color="white", linewidth=0.8, zorder=0.2))
        ax.add_line(Line2D([_LOW, _HIGH], [k, k], color="white", linewidth=0.8, zorder=0.2))


def _region_labels(ax: Axes, threshold: float) -> list:
    """Type names at the edges of their regions, outside the square where no one sits:
    aversive and ambivalent above it, supportive on its right; indifferent in a corner of
    its cell that is clear of markers (it is left out when none is)."""
    colour = {kind: _darker(s.colour) for kind, s in style.TYPE_STYLES.items()}
    common = dict(fontsize=style.LABEL_FONTSIZE, fontweight="bold", zorder=1)
    texts = [
        ax.text(_LOW, _HIGH + 0.06, "aversive", ha="left", va="bottom",
                color=colour["aversive"], gid="regionlabel:aversive", **common),
        ax.text(_HIGH, _HIGH + 0.06, "ambivalent", ha="right", va="bottom",
                color=colour["ambivalent"], gid="regionlabel:ambivalent", **common),
        ax.text(_HIGH + 0.06, (_LOW + threshold) / 2, "supportive", ha="left",
                va="center", rotation=90, color=colour["supportive"],
                gid="regionlabel:supportive", **common),
    ]
    return texts


def _indifferent_label(ax: Axes, threshold: float, marks, frame: Frame) -> list:
    """The indifferent region's name, in a free corner of its cell, or nothing."""
    renderer = lab.renderer_of(ax)
    pt = ax.get_figure(root=True).dpi / 72
    occupancy = lab.Occupancy(None)
    for x, y, radius, _ in marks:
        occupancy.add_marker(*frame.to_px(x, y), radius * pt)
    inset = 0.05
    width, height = lab.measure(ax, "indifferent", renderer, fontsize=style.MIN_FONTSIZE,
                                fontweight="bold")
    (cx0, cy0), (cx1, cy1) = frame.to_px(_LOW + inset, _LOW + inset), frame.to_px(
        threshold - inset, threshold - inset)
    if cx1 - cx0 < width:
        width, height = height, width  # written upwards in a narrow cell
    for px, py in ((cx0 + width / 2, cy0 + height / 2), (cx0 + width / 2, cy1 - height / 2),
                   (cx1 - width / 2, cy0 + height / 2), (cx1 - width / 2, cy1 - height / 2)):
        box = lab.box_at(px, py, width, height)
        inside = box[0] >= cx0 - 1 and box[2] <= cx1 + 1 and box[1] >= cy0 - 1 and (
            box[3] <= cy1 + 1)
        if inside and occupancy.free(box[None, :], 1.0)[0]:
            x, y = frame.to_data(px, py)
            return [ax.text(x, y, "indifferent", ha="center", va="center",
                            rotation=90 if width < height else 0,
                            fontsize=style.MIN_FONTSIZE, fontweight="bold",
                            color=_darker(style.TYPE_STYLES["indifferent"].colour), zorder=1,
                            gid="regionlabel:indifferent")]
    return []


def _axes_dress(ax: Axes, frame: Frame) -> None:
    ticks = list(range(vocab.RATING_MIN, vocab.RATING_MAX + 1))
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.tick_params(labelsize=style.LABEL_FONTSIZE, length=3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_position(("data", _LOW))
    ax.spines["left"].set_position(("data", _LOW))
    ax.spines["bottom"].set_bounds(_LOW, _HIGH)
    ax.spines["left"].set_bounds(_LOW, _HIGH)
    ax.set_xlabel("support: how helpful when you need support?\n(1 = not at all, "
                  "6 = extremely)", fontsize=style.LABEL_FONTSIZE)
    ax.set_ylabel("conflict: how upsetting?\n(1 = not at all, 6 = extremely)",
                  fontsize=style.LABEL_FONTSIZE)
    # centred on the square, not on the axes (which also hold the legend); matplotlib still
    # places them clear of the tick labels
    x0, y0, x1, y1 = ax.get_position(original=True).transformed(
        ax.get_figure(root=False).transSubfigure).extents
    middle_x, middle_y = frame.to_px((_LOW + _HIGH) / 2, (_LOW + _HIGH) / 2)
    ax.xaxis.label.set_x((middle_x - x0) / (x1 - x0))
    ax.yaxis.label.set_y((middle_y - y0) / (y1 - y0))


def _handles(entries: dict[str, Any]) -> list[tuple[Any, str]]:
    handles = legend_handles(entries)
    extra = []
    if "path" in entries:
        extra.append((Line2D([], [], color="#555555", linewidth=0.9, marker=">",
                             markersize=4, markevery=[1]), "path over sessions"))
        extra.append((Line2D([], [], linestyle="none", marker="o", markersize=4.5,
                             markerfacecolor="white", markeredgecolor="#555555"),
                      "first session"))
    if "gone" in entries:
        extra.append((Line2D([], [], linestyle="none", marker="X", markersize=7,
                             markerfacecolor=_GONE, markeredgewidth=0), "no longer on the map"))
    return handles[:-1] + extra  # the client's star is not drawn here


def _darker(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return tuple(0.7 * c for c in to_rgb(colour))
