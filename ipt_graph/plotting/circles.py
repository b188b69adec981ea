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
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from .. import vocab
from . import labels as lab
from . import style
from ._common import DECEASED_MARK, PersonView, check_redact, check_sessions, redacted_labels
from .circle import GHOST_SIZE, _CircleDrawer, _Mark, draw_legend, legend_handles
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

    numbers = check_sessions(client, sessions)
    if sessions is None and len(numbers) > 2:
        numbers = [numbers[0], numbers[-1]]
    redact_mode = check_redact(redact)
    names = redacted_labels(client, redact_mode)
    inventories = {inv.session: inv for inv in client.inventories()}
    options = dict(redact_mode=redact_mode, ties=ties, desired=desired, threshold=threshold,
                   kwargs=kwargs, names=names, inventories=inventories, compare=compare)
    panel_width = 2.3
    mode = labels
    with style.rc():
        for _ in range(3):
            figure, drawers, needed = _build(client, numbers, mode, panel_width, figsize, dpi,
                                             **options)
            numbered = [d.result.numbered for d in drawers]
            if labels == "auto" and any(numbered) and not all(numbered):
                mode = "numbers"
                continue
            if needed > panel_width + 1e-6 and figsize is None:
                panel_width = needed
                mode = "numbers" if any(numbered) else mode
                continue
            break
    return figure


def _build(client, numbers, mode, panel_width, figsize, dpi, **options):
    """One attempt: the figure, its drawers and the panel width its key needs (inches)."""
    count = max(len(numbers), 1)
    figure = Figure(figsize=figsize or (3.7 * count + panel_width + 0.1, 4.2), dpi=dpi)
    width = figure.get_figwidth()
    grid = figure.add_gridspec(1, count + 1, width_ratios=[3.7] * count + [panel_width],
                               left=0.05 / width, right=1 - 0.05 / width, top=0.92,
                               bottom=0.02, wspace=0.0)
    axes = [figure.add_subplot(grid[0, i]) for i in range(count)]
    panel = figure.add_subplot(grid[0, count])
    panel.set_axis_off()
    layout = circle_layout(client)
    drawers = _draw_all(axes, numbers, options["inventories"], options["compare"],
                        options["names"], layout, mode, options["redact_mode"],
                        options["ties"], options["desired"], options["threshold"],
                        options["kwargs"])
    entries: dict[str, Any] = {}
    for drawer in drawers:
        entries |= drawer.legend_entries
    handles = legend_handles(entries) + change_handles(entries)
    needed = _draw_panel(panel, handles, drawers)
    return figure, drawers, needed


def _draw_all(axes, numbers, inventories, compare, names, layout, mode, redact_mode, ties,
              desired, threshold, kwargs) -> list[_ChangeDrawer]:
    drawers = []
    for i, (ax, number) in enumerate(zip(axes, numbers, strict=True)):
        change = compare(inventories[numbers[i - 1]], inventories[number],
                         threshold=threshold) if i else None
        drawer = _ChangeDrawer(
            inventories[number], ax, change, names, redact=redact_mode, labels=mode,
            ties=ties, desired=desired, legend=False, key=False, threshold=threshold,
            title=f"session {number}", layout=layout, marker_kwargs=kwargs)
        drawer.draw()
        drawers.append(drawer)
    return drawers


def _draw_panel(panel: Axes, handles: list[tuple[Any, str]],
                drawers: list[_ChangeDrawer]) -> float:
    """The shared legend at the top of the last axes and, when numbered, the key below.

    Returns the width (inches) the panel needs to hold them.
    """
    legend = draw_legend(panel, handles, loc="upper left", bbox_to_anchor=(0.02, 1.0),
                         borderaxespad=0.0)
    renderer = lab.renderer_of(panel)
    box = panel.get_window_extent(renderer)
    dpi = panel.get_figure(root=True).dpi
    legend_extent = legend.get_window_extent(renderer)
    needed = legend_extent.width / dpi + 0.1
    if not any(d.result.numbered for d in drawers):
        return needed
    legend_height = legend_extent.height
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
    ordered = sorted(people.values(), key=lambda p: p.number)
    texts = []
    for person in ordered:
        text = f"{person.number}  {person.name}"
        if person.person_id in deceased:
            text += f" {DECEASED_MARK}"
        if stages[person.person_id]:
            text += " (" + " \u2192 ".join(stages[person.person_id]) + ")"
        texts.append(text)
    sizes = [lab.measure(panel, t, renderer, fontsize=style.MIN_FONTSIZE) for t in texts]
    if not sizes:
        return needed
    pt = dpi / 72
    line = max(h for _, h in sizes) + 2 * pt
    top = box.height - legend_height - line
    rows = max(int((top - line) // line), 1)
    column = max(w for w, _ in sizes) + 8 * pt
    panel.text(0.02, top / box.height, "key", transform=panel.transAxes, ha="left", va="top",
               fontsize=style.LABEL_FONTSIZE, fontweight="bold", gid="keytitle")
    for i, (person, text) in enumerate(zip(ordered, texts, strict=True)):
        col, row = divmod(i, rows)
        panel.text(0.02 + col * column / box.width, (top - (row + 1.3) * line) / box.height, text,
                   transform=panel.transAxes, ha="left", va="top", fontsize=style.MIN_FONTSIZE,
                   color=style.INK, fontweight="bold" if person.focus else "normal",
                   gid=f"key:{person.person_id}")
    return max(needed, (0.02 * box.width + math.ceil(len(texts) / rows) * column) / dpi + 0.1)
