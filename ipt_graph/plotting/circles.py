"""Closeness circles side by side: the change over treatment at a glance (DOMAIN.md §1).

The IPT Institute uses the circle "for examining change in relationships during treatment":
draw it at the start and again later. :func:`plot_circles` draws the circles of several
sessions with the same stable angles (:mod:`ipt_graph.plotting.layout`), so they differ only
where something changed, and marks the change from each circle to the next as
:func:`ipt_graph.compare` reports it: an arrow for a ring move (from where the person was),
a dashed blue ring around a person who arrived, and a grey cross, labelled in grey, where a
person who left the map was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from .. import vocab
from . import labels as lab
from . import style
from ._common import DECEASED_MARK, PersonView, check_redact, check_sessions, redacted_labels
from .circle import (
    _LABEL_MODES,
    GHOST_SIZE,
    _CircleDrawer,
    _Mark,
    draw_legend,
    legend_handles,
)
from .layout import circle_layout

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..change import Change
    from ..inventory import Inventory
    from ..model import Client

__all__ = ["plot_circles"]

_ARRIVED = style.OKABE_ITO["blue"]


class _ChangeDrawer(_CircleDrawer):
    """A circle with the change since the previous circle marked on it."""

    def __init__(self, inventory: Inventory, ax: Axes, change: Change | None,
                 names: dict[str, str], **kwargs: Any):
        super().__init__(inventory, ax, **kwargs)
        self.change = change
        self.names = names
        self.title_loc = "center"

    def _draw_extras(self) -> None:
        if self.change is None:
            return
        ax = self.ax
        for person in self.change.people:
            pid = person.person_id
            if pid not in self.layout.angles:
                continue
            if person.membership == "added" or person.returned:
                if pid not in self.positions:
                    continue
                view = next(p for p in self.people if p.person_id == pid)
                x, y = self.positions[pid]
                ring = self.diameter(view) + (14 if view.focus else 7)  # around any halo
                ax.scatter([x], [y], s=ring ** 2, marker="o", facecolors="none",
                           edgecolors=_ARRIVED, linewidths=1.4, linestyles=(0, (2, 1)),
                           zorder=2.7, gid=f"arrived:{pid}")
                self.marks.append(_Mark(x, y, ring / 2 + 0.8, pid))
                self.legend_entries["arrived"] = None
            elif person.membership == "lost" and person.ring_before is not None:
                x, y = self.ring_position(pid, int(person.ring_before))
                ax.scatter([x], [y], s=GHOST_SIZE ** 2, marker="X", color="#AAAAAA",
                           linewidths=0, zorder=2.6, gid=f"left:{pid}")
                self.positions[pid] = (x, y)
                self.ghosts.append(_ghost(pid, self.names.get(pid, pid), person, self.layout))
                self.marks.append(_Mark(x, y, GHOST_SIZE * 0.6, pid))
                self.legend_entries["left"] = None
            elif (person.membership == "kept" and person.ring_before is not None
                  and person.ring_after is not None and person.ring_before != person.ring_after
                  and pid in self.positions):
                self._draw_move(pid, int(person.ring_before))

    def _draw_move(self, pid: str, ring_before: int) -> None:
        x0, y0 = self.ring_position(pid, ring_before)
        x1, y1 = self.positions[pid]
        view = next(p for p in self.people if p.person_id == pid)
        self.ax.scatter([x0], [y0], s=4.0 ** 2, marker="o", color="#777777", linewidths=0,
                        zorder=2.6, gid=f"was:{pid}")
        self.ax.add_patch(FancyArrowPatch(
            (x0, y0), (x1, y1), arrowstyle="-|>,head_length=4,head_width=2.2", shrinkA=2,
            shrinkB=self.diameter(view) / 2 + 1.5, color=style.INK, linewidth=1.1,
            zorder=2.65, gid=f"moved:{pid}"))
        self.marks.append(_Mark(x0, y0, 2.5, f"was:{pid}"))
        self.legend_entries["moved"] = None


def _ghost(pid: str, name: str, person: Any, layout) -> PersonView:
    return PersonView(
        person_id=pid, name=name, role=str(person.role), sector="", ring=int(person.ring_before),
        support=None, conflict=None, status=None, desired_ring=None, dispute_stage=None,
        kind=None, focus=False, number=layout.number(pid))


def change_handles(entries: dict[str, Any]) -> list[tuple[Any, str]]:
    """Legend entries of the change marks."""
    handles: list[tuple[Any, str]] = []
    if "moved" in entries:
        handles.append((Line2D([], [], color=style.INK, linewidth=1.1, marker=">",
                                markersize=4, markevery=[1]), "moved ring (arrow)"))
    if "arrived" in entries:
        handles.append((Line2D([], [], linestyle="none", marker="o", markersize=13,
                                markerfacecolor="none", markeredgecolor=_ARRIVED,
                                markeredgewidth=1.4), "arrived"))
    if "left" in entries:
        handles.append((Line2D([], [], linestyle="none", marker="X", markersize=7,
                                markerfacecolor="#AAAAAA", markeredgewidth=0),
                        "left the map (where they were)"))
    if handles:
        handles.insert(0, (Line2D([], [], linestyle="none"), "since the circle before:"))
    return handles


def plot_circles(
    client: Client,
    sessions: Iterable[int] | None = None,
    *,
    redact: bool | str = False,
    labels: str = "auto",
    ties: bool = True,
    desired: bool = True,
    threshold: float = vocab.TYPE_THRESHOLD,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    **kwargs: Any,
) -> Figure:
    """Closeness circles of several sessions side by side, with the change marked.

    Parameters
    ----------
    client : Client
    sessions : iterable of int, optional
        The sessions to draw, in order; by default the first and the last.
    redact, labels, ties, desired, threshold
        As in :func:`ipt_graph.plot_circle`. With ``labels="auto"`` every circle uses names
        when every circle can; otherwise every circle numbers people, with one key.
    figsize : (float, float), optional
        Figure size in inches; by default about 3.7 inches per circle plus the legend.
    dpi : float
    **kwargs
        Passed to every person's marker.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure (pyplot is not used). Its last axes holds the legend and key.

    Notes
    -----
    The change between consecutive circles comes from :func:`ipt_graph.compare`: an arrow
    from the ring a kept person was in to their new ring (``moved:<id>``), a dashed blue
    ring around a person who arrived or returned (``arrived:<id>``), and a grey cross where
    a person who left the map was (``left:<id>``), labelled in grey.
    """
    from ..change import compare

    if labels not in _LABEL_MODES:
        raise ValueError(f"labels must be one of {', '.join(_LABEL_MODES)}, got {labels!r}")
    numbers = check_sessions(client, sessions)
    if sessions is None and len(numbers) > 2:
        numbers = [numbers[0], numbers[-1]]
    redact_mode = check_redact(redact)
    with style.rc():
        if not numbers:
            return _empty(client, figsize, dpi)
        names = redacted_labels(client, redact_mode)
        inventories = {inv.session: inv for inv in client.inventories()}
        # the circles are 3.7 inches wide whatever the panel's width (unless figsize is
        # given): the figure is built once, and widened at the end if the key needs it
        panel_width = _PANEL_WIDTH
        count = len(numbers)
        figure = Figure(figsize=figsize or (3.7 * count + panel_width + 0.1, 4.2), dpi=dpi)
        grid = figure.add_gridspec(1, count + 1, width_ratios=[3.7] * count + [panel_width],
                                   wspace=0.0, top=0.92, bottom=0.02,
                                   **_side_margins(figure.get_figwidth()))
        axes = [figure.add_subplot(grid[0, i]) for i in range(count)]
        panel = figure.add_subplot(grid[0, count])
        panel.set_axis_off()
        layout = circle_layout(client)
        drawers = []
        for i, (ax, number) in enumerate(zip(axes, numbers, strict=True)):
            change = compare(inventories[numbers[i - 1]], inventories[number],
                             threshold=threshold) if i else None
            drawer = _ChangeDrawer(
                inventories[number], ax, change, names, redact=redact_mode, labels=labels,
                ties=ties, desired=desired, legend=False, key=False, threshold=threshold,
                title=f"session {number}", layout=layout, marker_kwargs=kwargs)
            drawer.draw_marks()
            drawer.place()
            drawers.append(drawer)
        # one labelling for the figure: when any circle needs numbers, every circle numbers
        # (only the labels of the others are placed again)
        if labels == "auto" and any(d.result.numbered for d in drawers):
            for drawer in drawers:
                if not drawer.result.numbered:
                    drawer.place("numbers")
        for drawer in drawers:
            drawer.draw_labels()
        entries: dict[str, Any] = {}
        for drawer in drawers:
            entries |= drawer.legend_entries
        handles = legend_handles(entries) + change_handles(entries)
        key, needed = _panel_legend(panel, handles, drawers)
        if figsize is None and needed > panel_width + 1e-6:
            _widen_panel(figure, grid, [*axes, panel], count, needed)
        _draw_key(panel, key)
    return figure


#: The panel's width (inches) beside the circles when it holds only the legend.
_PANEL_WIDTH = 2.3


def _side_margins(width: float) -> dict[str, float]:
    """0.05 inches left and right of the grid, as fractions of the figure's width."""
    return dict(left=0.05 / width, right=1 - 0.05 / width)


def _widen_panel(figure: Figure, grid, axes: list[Axes], count: int, panel_width: float) -> None:
    """Make the panel ``panel_width`` inches wide by widening the figure; the circles keep
    their size (and so everything drawn on them, which is placed relative to their axes)."""
    figure.set_figwidth(3.7 * count + panel_width + 0.1)
    grid.set_width_ratios([3.7] * count + [panel_width])
    grid.update(**_side_margins(figure.get_figwidth()))
    for ax in axes:  # GridSpec.update only moves the axes of pyplot's figures
        ax.set_position(ax.get_subplotspec().get_position(figure))
        ax.set_in_layout(True)


def _empty(client: Client, figsize: tuple[float, float] | None, dpi: float) -> Figure:
    """A client without sessions: an empty figure that says so."""
    figure = Figure(figsize=figsize or (3.7 + _PANEL_WIDTH + 0.1, 4.2), dpi=dpi)
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_title(f"{client.client_id} \u00b7 closeness circles", fontsize=10, loc="left",
                 parse_math=False)
    ax.text(0.5, 0.5, "no sessions recorded", transform=ax.transAxes, ha="center",
            va="center", fontsize=style.LABEL_FONTSIZE, color="#555555", gid="empty")
    return figure


@dataclass
class _Key:
    """The key's entries and where they go: (person, text), rows per column, line height,
    column width and the top of the first row (pixels from the panel's bottom)."""

    entries: list[tuple[PersonView, str]]
    rows: int
    line: float
    column: float
    top: float


def _panel_legend(panel: Axes, handles: list[tuple[Any, str]],
                  drawers: list[_ChangeDrawer]) -> tuple[_Key | None, float]:
    """The shared legend at the top of the last axes, and the key to draw below it when
    people are numbered (measured, not drawn). Returns the key and the width (inches) the
    panel needs to hold both."""
    legend = draw_legend(panel, handles, loc="upper left", bbox_to_anchor=(0.02, 1.0),
                         borderaxespad=0.0)
    renderer = lab.renderer_of(panel)
    box = panel.get_window_extent(renderer)
    dpi = panel.get_figure(root=True).dpi
    legend_extent = legend.get_window_extent(renderer)
    needed = legend_extent.width / dpi + 0.1
    if not any(d.result.numbered for d in drawers):
        return None, needed
    people: dict[str, PersonView] = {}
    stages: dict[str, list[str]] = {}
    deceased: set[str] = set()
    for drawer in drawers:
        for person in drawer.labelled():
            people.setdefault(person.person_id, person)
            if person.deceased:
                deceased.add(person.person_id)
            seen = stages.setdefault(person.person_id, [])
            if person.dispute_stage and (not seen or seen[-1] != person.dispute_stage):
                seen.append(person.dispute_stage)
    entries = []
    for person in sorted(people.values(), key=lambda p: p.number):
        text = f"{person.number}  {person.name}"
        if person.person_id in deceased:
            text += f" {DECEASED_MARK}"
        if stages[person.person_id]:
            text += " (" + " \u2192 ".join(stages[person.person_id]) + ")"
        entries.append((person, text))
    if not entries:
        return None, needed
    sizes = [lab.measure(panel, t, renderer, fontsize=style.MIN_FONTSIZE) for _, t in entries]
    pt = dpi / 72
    line = max(h for _, h in sizes) + 2 * pt
    top = box.height - legend_extent.height - line
    rows = max(int((top - line) // line), 1)
    column = max(w for w, _ in sizes) + 8 * pt
    # the key starts 2 % of the panel's width in: solve width = 0.02 width + columns + 0.1
    columns = math.ceil(len(entries) / rows) * column / dpi
    return _Key(entries, rows, line, column, top), max(needed, (columns + 0.1) / 0.98)


def _draw_key(panel: Axes, key: _Key | None) -> None:
    """The key below the legend, in columns, for the panel's final size."""
    if key is None:
        return
    box = panel.get_window_extent(lab.renderer_of(panel))
    panel.text(0.02, key.top / box.height, "key", transform=panel.transAxes, ha="left",
               va="top", fontsize=style.LABEL_FONTSIZE, fontweight="bold", gid="keytitle")
    for i, (person, text) in enumerate(key.entries):
        col, row = divmod(i, key.rows)
        panel.text(0.02 + col * key.column / box.width,
                   (key.top - (row + 1.3) * key.line) / box.height, text,
                   transform=panel.transAxes, ha="left", va="top", fontsize=style.MIN_FONTSIZE,
                   color=style.INK, fontweight="bold" if person.focus else "normal",
                   gid=f"key:{person.person_id}")
