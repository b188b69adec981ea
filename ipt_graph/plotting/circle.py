"""The closeness circle (Stuart & Robertson's interpersonal circle; DOMAIN.md §1).

The client sits at the centre; ring 1 is the innermost. The circle is cut into slices by
sector (family, friends, work / school, community, professional, other). Each person is a
marker whose colour *and* shape give the relationship type (support x conflict, DOMAIN.md
§4), whose size gives support, and whose angle is the same in every session
(:mod:`ipt_graph.plotting.layout`). The deceased stay on the map, hollow with a cross and a
dagger (†) after their name; people estranged, lost contact with or moved away are faded
with a dashed outline; the focus people of a problem area have a dark halo, and a disputed
person's stage is written under their name. A dotted ghost marks the ring a client would
like a person to be in.

Every person is named: by their label (or role / code when ``redact``), placed without
overlaps by :mod:`ipt_graph.plotting.labels`; when the names cannot all be placed at 7 pt
or more, people are numbered and a key beside the circle gives the names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch

from .. import vocab
from . import labels as lab
from . import style
from ._common import PersonView, check_redact, get_ax, people_of
from .layout import (
    CENTRE_RADIUS,
    CircleLayout,
    circle_layout,
    polar,
    ring_inner,
    ring_middle,
    ring_radius,
)

if TYPE_CHECKING:

    from ..inventory import Inventory

__all__ = ["SECTOR_TITLES", "plot_circle"]

#: How sectors are written on the circle.
SECTOR_TITLES: dict[str, str] = {
    "family": "family",
    "friends": "friends",
    "work_school": "work / school",
    "community": "community",
    "professional": "professional",
    "other": "other",
}
_LABEL_MODES = ("auto", "names", "numbers")
#: Ring fills, innermost first: a light grey that fades outwards.
_RING_FILLS = ("#ECECEC", "#F2F2F2", "#F6F6F6", "#F9F9F9", "#FBFBFB", "#FDFDFD")


@dataclass
class _Geometry:
    """Where the circle sits on the axes, in pixels, for one labelling attempt."""

    cx: float
    cy: float
    scale: float  # pixels per data unit
    radius: float  # pixels
    margin: float
    box: tuple[float, float, float, float]  # the axes
    panel_x0: float  # where the legend and key start
    panel_top: float
    side: str  # the panel is "right" of the circle or "below" it
    key: tuple[int, float, float, float, float] | None = None  # rows, line, column, x, top

    def label_bounds(self, pad: float) -> tuple[float, float, float, float]:
        """Where people's labels may go: the axes without the panel."""
        x0, y0, x1, y1 = self.box
        if self.side == "below":
            return x0 + 1, min(self.panel_top + pad, y1 - 1), x1 - 1, y1 - 1
        return x0 + 1, y0 + 1, (self.panel_x0 - pad) if self.panel_x0 < x1 else x1 - 1, y1 - 1

    def px(self, x: float, y: float) -> tuple[float, float]:
        return self.cx + self.scale * x, self.cy + self.scale * y

    def data(self, px: float, py: float) -> tuple[float, float]:
        return (px - self.cx) / self.scale, (py - self.cy) / self.scale


@dataclass
class _Mark:
    """A drawn marker, for the obstacles of label placement: centre (data) and radius (pt)."""

    x: float
    y: float
    radius_pt: float
    owner: str | None = None


@dataclass
class _Result:
    placements: dict[str, lab.Placement]
    sector_labels: list[tuple[str, float, float, float, bool]]  # sector, px x, px y, rot, empty
    numbered: bool
    fontsize: float


#: Diameter in points of the cross where a person who left the map was.
GHOST_SIZE = 7.0


def plot_circle(
    inventory: Inventory,
    *,
    ax: Axes | None = None,
    redact: bool | str = False,
    labels: str = "auto",
    ties: bool = True,
    desired: bool = True,
    legend: bool = True,
    key: bool = True,
    threshold: float = vocab.TYPE_THRESHOLD,
    title: str | bool = True,
    layout: CircleLayout | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw the closeness circle of one inventory.

    Parameters
    ----------
    inventory : Inventory
        One client at one session (``client.inventory(session)``).
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None. Size the figure first: labels are
        placed in points for the axes' size at the time of the call (a layout engine that
        resizes the axes later, such as ``constrained_layout``, can make them collide).
    redact : bool or {"role", "code"}
        Name people by their role (``True`` or ``"role"``; "friend 1", "friend 2" when
        several share one) or by their code (``"code"``) instead of their label.
    labels : {"auto", "names", "numbers"}
        ``"auto"`` writes names when they all fit without overlaps at 7 pt or more and
        otherwise numbers people, with a key beside the circle; numbers are the same in every
        figure of the client.
    ties : bool
        Draw person-person ties as light lines (conflict ties dashed, in vermillion).
    desired : bool
        Draw the desired ring of each person who has one as a dotted ghost marker.
    legend, key : bool
        Draw the legend and (when people are numbered) the key, beside the circle.
    threshold : float
        A support or conflict rating above it counts as present when typing relationships
        (DOMAIN.md §4).
    title : str or bool
        The title; ``True`` for the client's code and the session.
    layout : CircleLayout, optional
        Angles to use; by default those of the whole record
        (:func:`ipt_graph.plotting.layout.circle_layout`).
    **kwargs
        Passed to every person's marker (``scatter``), e.g. ``linewidths``.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Artists carry ``gid``s for reading back: ``ring:<k>``, ``ringlabel:<k>``,
    ``sector:<name>``, ``sectorlabel:<name>``, ``ego``, ``person:<id>``, ``halo:<id>``,
    ``deceased:<id>``, ``desired:<id>``, ``tie:<a>:<b>``, ``label:<id>``, ``leader:<id>``,
    ``key:<id>``.
    """
    ax = get_ax(ax)
    with style.rc():
        drawer = _CircleDrawer(inventory, ax, redact=check_redact(redact), labels=labels,
                               ties=ties, desired=desired, legend=legend, key=key,
                               threshold=threshold, title=title, layout=layout,
                               marker_kwargs=kwargs)
        drawer.draw()
    return ax


class _CircleDrawer:
    """Draws one circle; :func:`ipt_graph.plot_circles` subclasses it to mark the change."""

    def __init__(self, inventory: Inventory, ax: Axes, *, redact: str | None, labels: str,
                 ties: bool, desired: bool, legend: bool, key: bool, threshold: float,
                 title: str | bool, layout: CircleLayout | None,
                 marker_kwargs: Mapping[str, Any] | None = None):
        if labels not in _LABEL_MODES:
            raise ValueError(f"labels must be one of {', '.join(_LABEL_MODES)}, got {labels!r}")
        self.inventory = inventory
        self.client = inventory.client
        self.ax = ax
        self.redact = redact
        self.rings = inventory.rings
        self.labels = labels
        self.show_ties = ties
        self.show_desired = desired
        self.show_legend = legend
        self.show_key = key
        self.title = title
        self.layout = layout or circle_layout(self.client)
        self.marker_kwargs = dict(marker_kwargs or {})
        self.people = [p for p in people_of(inventory, redact, threshold)
                       if p.ring is not None and p.person_id in self.layout.angles]
        self.positions = self._positions()
        self.ghosts: list[PersonView] = []  # people drawn where they were, not on this map
        self.marks: list[_Mark] = []
        self.legend_entries: dict[str, Any] = {}
        self.figure = ax.get_figure(root=False)
        self.dpi = ax.get_figure(root=True).dpi
        self.result: _Result | None = None
        self.handles: list[tuple[Any, str]] = []
        self.title_loc = "left"

    # --- positions --------------------------------------------------------------------------

    def _positions(self) -> dict[str, tuple[float, float]]:
        """Each person in their ring's band, at their stable angle.

        When a ring is crowded, people alternate between two or three radii in the band (by
        their number, so it is stable too) and the markers of that ring get smaller.
        """
        by_ring: dict[int, list[PersonView]] = {}
        for person in self.people:
            by_ring.setdefault(person.ring, []).append(person)
        positions = {}
        self.marker_scale: dict[str, float] = {}
        for ring, people in by_ring.items():
            middle = ring_middle(ring, self.rings)
            band = ring_radius(ring, self.rings) - ring_inner(ring, self.rings)
            spacing = math.radians(min(_gaps([self.layout.angles[p.person_id]
                                              for p in people]))) * middle
            wanted = 0.3  # data units: about a marker and a half on an A4 page
            tracks = 1 if spacing >= wanted else 2 if 2 * spacing >= wanted else 3
            offsets = {1: (0.0,), 2: (-0.22, 0.22), 3: (-0.3, 0.0, 0.3)}[tracks]
            shrink = min(1.0, max(0.55, tracks * spacing / wanted))
            for person in people:
                radius = middle + offsets[person.number % tracks] * band
                positions[person.person_id] = polar(radius, self.layout.angles[person.person_id])
                self.marker_scale[person.person_id] = shrink
        return positions

    def diameter(self, person: PersonView) -> float:
        """The person's marker diameter in points (support, shrunk in a crowded ring)."""
        return style.marker_size(person.support) * self.marker_scale.get(person.person_id, 1.0)

    def ring_position(self, person_id: str, ring: int) -> tuple[float, float]:
        """Where ``person_id`` would sit in ``ring`` (for ghosts and arrows)."""
        return polar(ring_middle(ring, self.rings), self.layout.angles[person_id])

    # --- drawing ----------------------------------------------------------------------------

    def draw(self) -> None:
        self.draw_marks()
        self.place()
        self.draw_labels()

    def draw_marks(self) -> None:
        """Everything but the texts: rings, sectors, ties, people and the change marks."""
        ax = self.ax
        ax.set_axis_off()
        self._draw_rings()
        self._draw_sectors()
        if self.show_ties:
            self._draw_ties()
        self._draw_people()
        self._draw_extras()
        self.handles = self._legend_handles()

    def place(self, labels: str | None = None) -> _Result:
        """Decide where every text goes (without drawing any); ``labels`` changes the mode.

        May be called again, e.g. with ``"numbers"`` when circles side by side must agree:
        only the placement is redone, never the marks.
        """
        if labels is not None:
            self.labels = labels
        self.result = self._place(self.handles)
        return self.result

    def draw_labels(self) -> None:
        """Draw the texts where :meth:`place` put them, and the title."""
        ax = self.ax
        self._draw_texts(self.result, self.handles)
        if self.title:
            text = self.title if isinstance(self.title, str) else (
                f"{self.client.client_id} \u00b7 session {self.inventory.session}")
            x, top = self._circle_top_left()
            if self.title_loc == "center":
                x0, _, x1, _ = self.geometry.box
                x = (self.geometry.cx - x0) / (x1 - x0)
            ax.set_title(text, fontsize=10, loc=self.title_loc, x=x, y=top,
                         parse_math=False)
        style.check_glyphs([p.label for p in self.labelled()])

    def _draw_extras(self) -> None:
        """Hook for figures that add marks before the labels are placed."""

    def labelled(self) -> list[PersonView]:
        """Everyone who gets a label: the people on the map, then any ghosts."""
        return self.people + self.ghosts

    def _draw_rings(self) -> None:
        ax = self.ax
        for ring in range(self.rings, 0, -1):
            ax.add_patch(Circle((0, 0), ring_radius(ring, self.rings),
                                facecolor=_RING_FILLS[ring - 1], edgecolor=style.GREY,
                                linewidth=0.8, zorder=0.2, gid=f"ring:{ring}"))
        ax.add_patch(Circle((0, 0), CENTRE_RADIUS, facecolor="white", edgecolor=style.GREY,
                            linewidth=0.6, zorder=0.3, gid="centre"))
        ax.scatter([0], [0], s=13 ** 2, marker="*", color=style.INK, zorder=3, gid="ego",
                   label="_ego")
        self.marks.append(_Mark(0.0, 0.0, 7.5, "ego"))

    def _draw_sectors(self) -> None:
        for sector, (start, _end) in self.layout.sectors.items():
            x0, y0 = polar(CENTRE_RADIUS, start)
            x1, y1 = polar(self.rings, start)
            self.ax.add_line(Line2D([x0, x1], [y0, y1], color=style.GREY, linewidth=0.6,
                                    zorder=0.6, gid=f"sector:{sector}"))

    def _draw_ties(self) -> None:
        ties = self.inventory.ties
        for a, b, kind in ties[["a", "b", "kind"]].itertuples(index=False):
            if a not in self.positions or b not in self.positions:
                continue
            (xa, ya), (xb, yb) = self.positions[a], self.positions[b]
            self.ax.add_line(Line2D(
                [xa, xb], [ya, yb], color=style.TIE_COLOURS.get(kind, style.GREY),
                linewidth=0.7, alpha=0.55, zorder=1,
                linestyle="--" if kind == "conflict" else "-", gid=f"tie:{a}:{b}:{kind}"))
            self.legend_entries.setdefault(f"tie_{kind}", None)

    def _draw_people(self) -> None:
        for person in self.people:
            x, y = self.positions[person.person_id]
            diameter = self.diameter(person)
            for mx, my, reach, owner in draw_person(self.ax, person, x, y, diameter,
                                                    self.legend_entries, self.marker_kwargs):
                self.marks.append(_Mark(mx, my, reach, owner))
            if (self.show_desired and person.desired_ring is not None
                    and person.desired_ring != person.ring):
                self._draw_desired(person, style.type_style(person.kind), diameter)

    def _draw_desired(self, person: PersonView, kind: style.TypeStyle, diameter: float) -> None:
        pid = person.person_id
        gx, gy = self.ring_position(pid, person.desired_ring)
        colour = style.INK if person.kind is None else kind.colour
        self.ax.scatter([gx], [gy], s=diameter ** 2, marker=kind.marker, facecolors="none",
                        edgecolors=[colour], linewidths=1.1, linestyles=(0, (1.0, 1.2)),
                        zorder=2, gid=f"desired:{pid}")
        self.marks.append(_Mark(gx, gy, _marker_reach(kind.marker, diameter) + 0.6,
                                f"desired:{pid}"))
        x, y = self.positions[pid]
        self.ax.add_patch(FancyArrowPatch(
            (x, y), (gx, gy), arrowstyle="-|>,head_length=3,head_width=1.6",
            shrinkA=diameter / 2 + 1, shrinkB=diameter / 2 + 1, color=style.GREY,
            linewidth=0.8, linestyle=(0, (2, 1.5)), zorder=1.5, gid=f"desiredarrow:{pid}"))
        self.legend_entries["desired"] = None

    # --- legend -----------------------------------------------------------------------------

    def _legend_handles(self) -> list[tuple[Any, str]]:
        return legend_handles(self.legend_entries)

    # --- labels -----------------------------------------------------------------------------

    def _geometry(self, legend_size: tuple[float, float], numbered: bool,
                  margin: float) -> _Geometry:
        """Fit the circle and the panel (legend, key) in the axes, beside or below it:
        whichever leaves the larger circle. Sets the axes limits (equal aspect)."""
        box = self.ax.get_position(original=True).transformed(self.figure.transSubfigure)
        x0, y0, x1, y1 = box.extents
        width, height = x1 - x0, y1 - y0
        pt = self.dpi / 72
        gap = 6 * pt
        legend_w, legend_h = legend_size
        keyed = numbered and self.show_key and bool(self.people)
        line, column = self._key_sizes() if keyed else (0.0, 0.0)
        count = len(self.people)
        # beside: the legend on top, the key below it in as many columns as needed
        rows = max(int((height - legend_h - (line if legend_h else 0.0)) / line - 1.4), 4) if (
            keyed) else 0
        panel_w = max(legend_w, math.ceil(count / rows) * column if keyed else 0.0)
        right = min((height - 2 * margin) / 2, (width - 2 * margin - gap - panel_w) / 2)
        # below: the legend on the left, the key on its right in as many rows as needed
        key_x = legend_w + gap if legend_w else 0.0
        columns = max(int((width - key_x) // column), 1) if keyed else 1
        below_rows = math.ceil(count / columns) if keyed else 0
        panel_h = max(legend_h, (below_rows + 1.3) * line + line if keyed else 0.0)
        below = min((width - 2 * margin) / 2, (height - 2 * margin - gap - panel_h) / 2)
        if not (panel_w or panel_h):
            right = below = min(width - 2 * margin, height - 2 * margin) / 2
        if below > right * 1.05:
            radius = max(below, 20.0)
            group = 2 * margin + 2 * radius + gap + panel_h
            cx = x0 + width / 2
            cy = y1 - max((height - group) / 2, 0.0) - margin - radius
            panel_top = cy - radius - margin - gap
            panel_x0 = x0  # the key's columns were counted across the axes' whole width
            key = (max(below_rows, 1), line, column, panel_x0 + key_x, panel_top) if keyed else None
            side = "below"
        else:
            radius = max(right, 20.0)
            group = 2 * margin + 2 * radius + (gap + panel_w if panel_w else 0.0)
            cx = x0 + max((width - group) / 2, 0.0) + margin + radius
            cy = y0 + height / 2
            panel_x0 = cx + radius + margin + (gap if panel_w else 0.0)
            panel_top = y1 if keyed else cy + min(radius + margin, height / 2)
            key_top = panel_top - legend_h - (line if legend_h else 0.0)
            key = (rows, line, column, panel_x0, key_top) if keyed else None
            side = "right"
        scale = radius / self.rings
        self.ax.set_xlim((x0 - cx) / scale, (x1 - cx) / scale)
        self.ax.set_ylim((y0 - cy) / scale, (y1 - cy) / scale)
        self.ax.set_aspect("equal", adjustable="datalim")
        return _Geometry(cx, cy, scale, radius, margin, (x0, y0, x1, y1), panel_x0, panel_top,
                         side, key)

    def _key_sizes(self) -> tuple[float, float]:
        """Line height and column width (pixels) of the key's entries."""
        renderer = lab.renderer_of(self.ax)
        sizes = [lab.measure(self.ax, self._key_text(p), renderer, fontsize=style.MIN_FONTSIZE)
                 for p in self.people]
        pt = self.dpi / 72
        return max(h for _, h in sizes) + 2 * pt, max(w for w, _ in sizes) + 8 * pt

    def _place(self, handles: list[tuple[Any, str]]) -> _Result:
        renderer = lab.renderer_of(self.ax)
        pt = self.dpi / 72
        legend_size = (0.0, 0.0)
        if self.show_legend and handles:
            legend = draw_legend(self.ax, handles, loc="upper left", borderaxespad=0)
            extent = legend.get_window_extent(renderer)
            legend_size = (extent.width, extent.height)
        sector_h = lab.measure(self.ax, "Ag", renderer, fontsize=style.MIN_FONTSIZE)[1]
        label_size, number_size = style.LABEL_FONTSIZE, style.MIN_FONTSIZE
        # (numbered, font size, may go outside the rings): names inside the rings at 8 pt,
        # then 7 pt, then numbers (or, when names are asked for, names) anywhere
        modes = {
            "auto": [(False, label_size, False), (False, number_size, False),
                     (True, number_size, True)],
            "names": [(False, label_size, False), (False, number_size, False),
                      (False, number_size, True)],
            "numbers": [(True, number_size, True)],
        }[self.labels]
        if not self.labelled():
            modes = [(False, label_size, True)]
        # the same margin in every attempt, so circles side by side have the same size
        reserve = (sector_h * 2.6 + 4 * pt
                   + lab.measure(self.ax, "00", renderer, fontsize=number_size)[1] * 2.2)
        result = None
        for numbered, fontsize, outside in modes:
            geometry = self._geometry(legend_size, numbered, reserve)
            result = self._attempt(geometry, renderer, numbered, fontsize, sector_h,
                                   outside=outside)
            if result is not None:
                break
        assert result is not None  # the last attempt always places everyone
        self.geometry = geometry
        return result

    def _obstacles(self, geometry: _Geometry,
                   bounds: tuple[float, float, float, float]) -> lab.Occupancy:
        from matplotlib.transforms import Bbox

        occupancy = lab.Occupancy(Bbox.from_extents(*bounds))
        pt = self.dpi / 72
        for mark in self.marks:
            occupancy.add_marker(*geometry.px(mark.x, mark.y), mark.radius_pt * pt)
        return occupancy

    def _attempt(self, geometry: _Geometry, renderer, numbered: bool, fontsize: float,
                 sector_h: float, outside: bool) -> _Result | None:
        pt = self.dpi / 72
        pad = lab.GAP_PT * pt
        bounds = geometry.label_bounds(pad)
        occupancy = self._obstacles(geometry, bounds)
        occupancy.bounds = None  # fixed texts are placed first, where they must go
        sectors = self._place_sector_labels(geometry, renderer, occupancy, sector_h)
        self._ring_label_boxes(geometry, renderer, occupancy)
        occupancy.bounds = np.array(bounds)
        placements: dict[str, lab.Placement] = {}
        failed: list[PersonView] = []
        # a name may sit nearer another marker (with a leader) only for a few people, and
        # never with a leader through another marker: otherwise number people instead
        allowed = max(1, len(self.labelled()) // 8)
        for person in sorted(self.labelled(), key=lambda p: (p.ring, p.number)):
            text = str(person.number) if numbered else person.label
            width, height = lab.measure(self.ax, text, renderer, **self._text_props(
                person, fontsize))
            anchor = geometry.px(*self.positions[person.person_id])
            clearance = self._clearance(person) * pt + pad
            centres = self._ring_candidates(geometry, person, anchor, clearance, width, height)
            others = self._others(geometry, person.person_id)
            placement = lab.best(occupancy, anchor, clearance, width, height, centres, pad,
                                 others)
            if placement is not None and placement.ambiguous and not outside:
                allowed -= 1
                if placement.crossing or allowed < 0:
                    placement = None
            if placement is None:
                if not outside:
                    return None
                failed.append(person)
                continue
            occupancy.add(placement.box)
            placements[person.person_id] = placement
        for person in failed:  # last resort: outside the circle, with a leader line
            text = str(person.number) if numbered else person.label
            width, height = lab.measure(self.ax, text, renderer, **self._text_props(
                person, fontsize))
            anchor = geometry.px(*self.positions[person.person_id])
            clearance = self._clearance(person) * pt + pad
            centres = self._outside_candidates(geometry, person, width, height, pad)
            others = self._others(geometry, person.person_id)
            placement = lab.best(occupancy, anchor, clearance, width, height, centres, pad,
                                 others)
            if placement is None:  # pragma: no cover - only on absurdly small axes
                occupancy.bounds = None
                placement = lab.best(occupancy, anchor, clearance, width, height, centres, pad)
                occupancy.bounds = np.array(bounds)
            if placement is None:  # pragma: no cover
                continue
            occupancy.add(placement.box)
            placements[person.person_id] = placement
        return _Result(placements, sectors, numbered, fontsize)

    def _others(self, geometry: _Geometry, person_id: str) -> np.ndarray:
        """Marks of everyone else (x, y, radius in pixels): a label should be nearest its own."""
        pt = self.dpi / 72
        rows = [(*geometry.px(m.x, m.y), m.radius_pt * pt) for m in self.marks
                if m.owner is not None and m.owner != person_id]
        return np.array(rows).reshape(-1, 3)

    def _clearance(self, person: PersonView) -> float:
        """Radius in points around a person's centre that their own label must keep free."""
        if person in self.ghosts:
            return GHOST_SIZE / 2 + 1.0
        kind = style.type_style(person.kind)
        reach = _marker_reach(kind.marker, self.diameter(person)) + 1.0
        if person.focus:
            reach = max(reach, (self.diameter(person) + 7) / 2 + 0.8)
        return reach

    def _ring_candidates(self, geometry: _Geometry, person: PersonView,
                         anchor: tuple[float, float], clearance: float, width: float,
                         height: float) -> np.ndarray:
        """Next to the marker first, then anywhere along the person's own ring band."""
        angle = math.radians(self.layout.angles[person.person_id])
        radial = (math.cos(angle), math.sin(angle))
        adjacent = lab.adjacent_centres(anchor[0], anchor[1], clearance, width, height,
                                        first=radial)
        ring = person.ring
        inner = ring_inner(ring, self.rings) * geometry.scale
        outer = ring_radius(ring, self.rings) * geometry.scale
        step = max(height / 2, 2.0)
        radii = np.arange(inner + step / 2, outer, step)
        if len(radii) == 0:
            radii = np.array([(inner + outer) / 2])
        reach = min(math.pi * 0.6, (6 * width + 80) / max(radii.mean(), 1.0))
        grid = []
        for radius in radii:
            delta = step / radius
            offsets = np.arange(delta, reach, delta)
            offsets = np.concatenate([[0.0], np.ravel(np.column_stack([offsets, -offsets]))])
            angles = angle + offsets
            grid.append(np.column_stack([geometry.cx + radius * np.cos(angles),
                                         geometry.cy + radius * np.sin(angles)]))
        return np.vstack([adjacent, *grid])

    def _outside_candidates(self, geometry: _Geometry, person: PersonView, width: float,
                            height: float, pad: float) -> np.ndarray:
        """Beyond the person's ring, along their ray and then farther round: the fallback."""
        angle = math.radians(self.layout.angles[person.person_id])
        start = ring_radius(person.ring, self.rings) * geometry.scale + pad
        step = (height + pad) / 2
        stop = geometry.radius + geometry.margin + 8 * (height + pad)
        out = []
        for base in np.arange(start, stop, step):
            delta = step / base
            offsets = np.arange(delta, math.pi, delta)
            offsets = np.concatenate([[0.0], np.ravel(np.column_stack([offsets, -offsets]))])
            angles = angle + offsets
            ux, uy = np.cos(angles), np.sin(angles)
            with np.errstate(divide="ignore"):
                reach = np.minimum(width / 2 / np.abs(ux), height / 2 / np.abs(uy))
            distance = base + reach
            out.append(np.column_stack([geometry.cx + distance * ux,
                                        geometry.cy + distance * uy]))
        return np.vstack(out)

    def _place_sector_labels(self, geometry: _Geometry, renderer, occupancy: lab.Occupancy,
                             sector_h: float) -> list[tuple[str, float, float, float, bool]]:
        counts = {s: 0 for s in self.layout.sectors}
        for pid in self.layout.order:
            counts[_sector_of(self.client, pid)] += 1
        placed = []
        pad = lab.GAP_PT * self.dpi / 72
        for sector, (start, end) in self.layout.sectors.items():
            middle = (start + end) / 2
            rotation = _tangential(middle)
            width, height = lab.measure(self.ax, SECTOR_TITLES[sector], renderer,
                                        fontsize=style.MIN_FONTSIZE)
            theta = math.radians(middle)
            box_w = abs(width * math.cos(math.radians(rotation))) + abs(
                height * math.sin(math.radians(rotation)))
            box_h = abs(width * math.sin(math.radians(rotation))) + abs(
                height * math.cos(math.radians(rotation)))
            chosen = None
            for track in (0.0, 1.2, 2.4, 3.6):
                distance = geometry.radius + pad + height / 2 + track * height
                px = geometry.cx + distance * math.cos(theta)
                py = geometry.cy + distance * math.sin(theta)
                box = lab.box_at(px, py, box_w, box_h)
                if occupancy.free(box[None, :], pad)[0]:
                    chosen = (px, py, box)
                    break
            if chosen is None:
                distance = geometry.radius + pad + height / 2
                px = geometry.cx + distance * math.cos(theta)
                py = geometry.cy + distance * math.sin(theta)
                chosen = (px, py, lab.box_at(px, py, box_w, box_h))
            occupancy.add(chosen[2])
            placed.append((sector, chosen[0], chosen[1], rotation, counts[sector] == 0))
        return placed

    def ring_label_angles(self) -> dict[int, float]:
        """Where each ring's name goes: the widest gap between the people who are ever in
        that ring (or wanted there) over the whole record, so it is the same every session."""
        ever: dict[int, set[str]] = {}
        for rating in self.client.ratings:
            for ring in (rating.ring, rating.desired_ring):
                if ring is not None and rating.person_id in self.layout.angles:
                    ever.setdefault(ring, set()).add(rating.person_id)
        out = {}
        for ring in range(1, self.rings + 1):
            angles = sorted(self.layout.angles[pid] for pid in ever.get(ring, ()))
            if not angles:
                out[ring] = 90.0
                continue
            gaps = [((angles[(i + 1) % len(angles)] - a) % 360.0 or 360.0, a)
                    for i, a in enumerate(angles)]
            width, start = max(gaps, key=lambda g: (round(g[0], 6), -g[1]))
            out[ring] = (start + width / 2) % 360.0
        return out

    def ring_names(self) -> tuple[str, ...]:
        """The rings' names: the client's own, or the defaults when redacting (the client's
        ring labels are free text)."""
        if self.redact is not None:
            return vocab.default_ring_labels(self.rings)
        return self.client.ring_names

    def _ring_label_boxes(self, geometry: _Geometry, renderer,
                          occupancy: lab.Occupancy) -> None:
        self._ring_labels = []
        for ring, name in enumerate(self.ring_names(), start=1):
            angle = self.ring_label_angles()[ring]
            rotation = _tangential(angle)
            x, y = polar(ring_middle(ring, self.rings), angle)
            width, height = lab.measure(self.ax, name, renderer, fontsize=style.MIN_FONTSIZE)
            r = math.radians(rotation)
            box_w = abs(width * math.cos(r)) + abs(height * math.sin(r))
            box_h = abs(width * math.sin(r)) + abs(height * math.cos(r))
            px, py = geometry.px(x, y)
            occupancy.add(lab.box_at(px, py, box_w, box_h))
            self._ring_labels.append((ring, name, x, y, rotation))

    def _circle_top_left(self) -> tuple[float, float]:
        """Axes fraction of the top left corner of the circle with its margin."""
        geometry = self.geometry
        x0, y0, x1, y1 = geometry.box
        reach = geometry.radius + geometry.margin
        return (max(geometry.cx - reach, x0) - x0) / (x1 - x0), min(
            (geometry.cy + reach - y0) / (y1 - y0), 1.0)

    def _text_props(self, person: PersonView, fontsize: float) -> dict[str, Any]:
        ghost = person in self.ghosts
        return dict(fontsize=fontsize, fontweight="bold" if person.focus else "normal",
                    fontstyle="italic" if person.departed or ghost else "normal",
                    color="#777777" if ghost else style.INK,
                    ha="center", va="center", multialignment="center")

    @staticmethod
    def _key_text(person: PersonView) -> str:
        return f"{person.number}  {person.label.replace(chr(10), ' ')}"

    def _draw_texts(self, result: _Result, handles: list[tuple[Any, str]]) -> None:
        ax, geometry = self.ax, self.geometry
        pt = self.dpi / 72
        for sector, px, py, rotation, empty in result.sector_labels:
            x, y = geometry.data(px, py)
            ax.text(x, y, SECTOR_TITLES[sector], fontsize=style.MIN_FONTSIZE,
                    color=style.GREY if empty else style.INK, rotation=rotation,
                    rotation_mode="anchor", ha="center", va="center", zorder=4,
                    gid=f"sectorlabel:{sector}")
        for ring, name, x, y, rotation in self._ring_labels:
            ax.text(x, y, name, fontsize=style.MIN_FONTSIZE, color="#666666",
                    fontstyle="italic", rotation=rotation, rotation_mode="anchor", ha="center",
                    va="center", zorder=2.5, gid=f"ringlabel:{ring}")
        by_id = {p.person_id: p for p in self.labelled()}
        for pid, placement in result.placements.items():
            person = by_id[pid]
            x, y = geometry.data(placement.cx, placement.cy)
            text = str(person.number) if result.numbered else person.label
            ax.text(x, y, text, zorder=4, gid=f"label:{pid}",
                    bbox=dict(boxstyle="square,pad=0.08", facecolor="white", edgecolor="none",
                              alpha=0.8),
                    **self._text_props(person, result.fontsize))
            if placement.leader:
                anchor = geometry.px(*self.positions[pid])
                end = lab.leader_end(anchor, placement.box)
                dx, dy = end[0] - anchor[0], end[1] - anchor[1]
                length = math.hypot(dx, dy) or 1.0
                start = (anchor[0] + dx / length * self._clearance(person) * pt,
                         anchor[1] + dy / length * self._clearance(person) * pt)
                (sx, sy), (ex, ey) = geometry.data(*start), geometry.data(*end)
                ax.add_line(Line2D([sx, ex], [sy, ey], color="#444444", linewidth=0.6,
                                   zorder=3.5, gid=f"leader:{pid}"))
        box = self.ax.get_position(original=True).transformed(self.figure.transSubfigure)
        x0, y0, x1, y1 = box.extents

        def axes_fraction(px: float, py: float) -> tuple[float, float]:
            return (px - x0) / (x1 - x0), (py - y0) / (y1 - y0)

        if ax.get_legend() is not None:
            ax.get_legend().set_bbox_to_anchor(
                axes_fraction(geometry.panel_x0, geometry.panel_top), transform=ax.transAxes)
        if result.numbered and geometry.key is not None:
            rows, line, column, key_x, key_top = geometry.key
            ax.text(*axes_fraction(key_x, key_top), "key", transform=ax.transAxes,
                    fontsize=style.LABEL_FONTSIZE, fontweight="bold", ha="left", va="top",
                    gid="keytitle")
            for i, person in enumerate(self.people):
                column_i, row = divmod(i, rows)
                px = key_x + column_i * column
                py = key_top - (row + 1.3) * line
                ax.text(*axes_fraction(px, py), self._key_text(person), transform=ax.transAxes,
                        fontsize=style.MIN_FONTSIZE, ha="left", va="top", color=style.INK,
                        fontweight="bold" if person.focus else "normal",
                        fontstyle="italic" if person.departed else "normal",
                        gid=f"key:{person.person_id}")


def draw_person(ax: Axes, person: PersonView, x: float, y: float, diameter: float,
                entries: dict[str, Any], marker_kwargs: Mapping[str, Any] | None = None,
                zorder: float = 3.0) -> list[tuple[float, float, float, str]]:
    """One person's marker: colour and shape by type, size by support, with the deceased
    hollow and crossed, people out of touch faded and dashed, and focus people haloed.

    Records what it drew in ``entries`` (for the legend) and returns the marks for label
    placement: ``(x, y, reach in points, owner)``.
    """
    pid = person.person_id
    kind = style.type_style(person.kind)
    face = to_rgba(kind.colour)
    edge, linewidth, linestyle = to_rgba(style.INK), 0.7, "solid"
    marks = []
    if person.kind is None:
        entries["unrated"] = None
    if person.deceased:
        face, edge, linewidth = to_rgba("white"), to_rgba(
            style.INK if person.kind is None else kind.colour), 1.8
        entries["deceased"] = None
    elif person.departed:
        face = to_rgba(kind.colour, 0.35)
        linestyle = (0, (2.0, 1.2))
        entries["departed"] = None
    if person.focus:
        halo = diameter + 7
        ax.scatter([x], [y], s=halo ** 2, marker="o", facecolors="none",
                   edgecolors=style.INK, linewidths=1.6, zorder=zorder - 0.2,
                   gid=f"halo:{pid}")
        marks.append((x, y, halo / 2 + 0.8, pid))
        entries["focus"] = None
    options = dict(s=diameter ** 2, marker=kind.marker, facecolors=[face], edgecolors=[edge],
                   linewidths=linewidth, linestyles=linestyle, zorder=zorder,
                   gid=f"person:{pid}", label=f"_{pid}")
    ax.scatter([x], [y], **(options | dict(marker_kwargs or {})))
    marks.append((x, y, _marker_reach(kind.marker, diameter) + linewidth / 2, pid))
    if person.deceased:
        ax.scatter([x], [y], s=(diameter * 0.75) ** 2, marker="x", color=style.INK,
                   linewidths=1.0, zorder=zorder + 0.2, gid=f"deceased:{pid}")
    return marks


def draw_legend(ax: Axes, handles: list[tuple[Any, str]], **kwargs: Any):
    """A legend of ``(handle, text)`` pairs; tuples of markers side by side for the sizes."""
    from matplotlib.legend_handler import HandlerTuple

    pairs = {id(h): HandlerTuple(ndivide=None, pad=0.6) for h, t in handles
             if isinstance(h, tuple) and t.startswith("support")}
    handler_map = {h: pairs[id(h)] for h, _ in handles if id(h) in pairs}
    return ax.legend([h for h, _ in handles], [t for _, t in handles],
                     handler_map=handler_map, fontsize=style.LABEL_FONTSIZE,
                     handletextpad=0.6, labelspacing=0.5, **kwargs)


def legend_handles(entries: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """Legend entries: the four types always, then what the figure shows."""
    def marker(shape: str, face: Any, edge: Any = style.INK, size: float = 8.0,
               width: float = 0.7, **kw: Any) -> Line2D:
        return Line2D([], [], linestyle="none", marker=shape, markersize=size,
                      markerfacecolor=face, markeredgecolor=edge, markeredgewidth=width, **kw)

    handles: list[tuple[Any, str]] = [
        (marker(s.marker, s.colour), s.title) for s in style.TYPE_STYLES.values()]
    if "unrated" in entries:
        handles.append((marker(style.UNRATED_STYLE.marker, "white"), "not rated"))
    handles.append(((marker("o", style.GREY, size=style.MARKER_MIN * 0.8),
                     marker("o", style.GREY, size=style.MARKER_MAX * 0.8)),
                    "support 1 \u2192 6"))
    if "deceased" in entries:
        handles.append(((marker("o", "white", edge=style.INK, width=1.6),
                         marker("x", style.INK, size=6, width=1.0)), "deceased \u2020"))
    if "departed" in entries:
        handles.append((marker("o", to_rgba(style.GREY, 0.35)),
                        "estranged, lost contact\nor moved away"))
    if "focus" in entries:
        handles.append(((marker("o", "none", edge=style.INK, size=14, width=1.5),
                         marker("o", style.GREY, size=8)), "problem-area focus"))
    if "desired" in entries:
        handles.append((marker("o", "none", edge=style.INK, width=1.0),
                        "desired ring (dotted)"))
    for kind in ("knows", "close", "conflict"):
        if f"tie_{kind}" in entries:
            handles.append((Line2D([], [], color=style.TIE_COLOURS[kind], linewidth=1.0,
                                   linestyle="--" if kind == "conflict" else "-"),
                            f"tie: {kind}"))
    handles.append((marker("*", style.INK, size=10), "client"))
    return handles


def _marker_reach(marker: str, diameter: float) -> float:
    """Distance in points from a marker's centre to its farthest point."""
    factor = {"D": 0.71, "s": 0.71, "h": 0.5, "^": 0.5, "o": 0.5, "*": 0.5}.get(marker, 0.6)
    return diameter * factor


def _gaps(angles: Sequence[float]) -> list[float]:
    """Angular gaps between neighbours (degrees), 360 for a single person."""
    ordered = sorted(angles)
    if len(ordered) < 2:
        return [360.0]
    return [(ordered[(i + 1) % len(ordered)] - a) % 360.0 for i, a in enumerate(ordered)]


def _tangential(angle: float) -> float:
    """Rotation (degrees) of text running along the circle at ``angle``, kept upright."""
    rotation = (angle - 90.0) % 360.0
    if 90.0 < rotation < 270.0:
        rotation -= 180.0
    return rotation


def _sector_of(client, person_id: str) -> str:
    return str(client.person(person_id).resolved_sector)
