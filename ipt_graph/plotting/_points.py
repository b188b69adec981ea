"""Labels, legend and key for figures of people as points (the network and the quadrant).

The figure's data area sits on the left of the axes and a panel on the right holds the legend
and, when people are numbered, the key; :func:`label_points` fits both, places every label
with :mod:`ipt_graph.plotting.labels` (names at 8 pt, then 7 pt, then numbers with a key) and
draws them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from . import labels as lab
from . import style

__all__ = ["Frame", "PointItem", "label_points"]


@dataclass
class PointItem:
    """A person to label: their name, number, position (data) and marker reach (points)."""

    key: str
    name: str
    number: int
    x: float
    y: float
    clearance_pt: float
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class Frame:
    """The data area of one attempt, after the axes limits are set for it."""

    to_px: Callable[[float, float], tuple[float, float]]
    to_data: Callable[[float, float], tuple[float, float]]
    bounds: tuple[float, float, float, float]  # pixels where labels may go
    panel_x0: float  # pixels
    top: float  # pixels: top of the legend


def equal_frame(ax: Axes, extent: tuple[float, float, float, float], margins: Sequence[float],
                panel_width: float, centre: bool = True) -> Frame:
    """Set equal-aspect limits that fit ``extent`` (data) on the left, a panel on the right.

    ``margins`` are (left, bottom, right, top) in pixels around the data inside the axes;
    ``panel_width`` in pixels. ``centre=False`` puts the data in the bottom left corner
    (for axes with spines and tick labels) instead of the middle.
    """
    figure = ax.get_figure(root=False)
    box = ax.get_position(original=True).transformed(figure.transSubfigure)
    x0, y0, x1, y1 = box.extents
    left, bottom, right, top = margins
    gap = 6 * ax.get_figure(root=True).dpi / 72 if panel_width else 0.0
    ex0, ex1, ey0, ey1 = extent
    width_px = max(x1 - x0 - left - right - panel_width - gap, 20.0)
    height_px = max(y1 - y0 - bottom - top, 20.0)
    scale = min(width_px / (ex1 - ex0), height_px / (ey1 - ey0))
    used_w = scale * (ex1 - ex0) + left + right + gap + panel_width
    offset = max((x1 - x0 - used_w) / 2, 0.0) if centre else 0.0
    data_x0 = x0 + offset + left
    data_y0 = y0 + bottom + ((height_px - scale * (ey1 - ey0)) / 2 if centre else 0.0)

    def to_px(x: float, y: float) -> tuple[float, float]:
        return data_x0 + (x - ex0) * scale, data_y0 + (y - ey0) * scale

    def to_data(px: float, py: float) -> tuple[float, float]:
        return ex0 + (px - data_x0) / scale, ey0 + (py - data_y0) / scale

    ax.set_xlim(to_data(x0, y0)[0], to_data(x1, y1)[0])
    ax.set_ylim(to_data(x0, y0)[1], to_data(x1, y1)[1])
    ax.set_aspect("equal", adjustable="datalim")
    panel_x0 = data_x0 + scale * (ex1 - ex0) + right + gap
    bounds = (x0 + 1, y0 + 1, (panel_x0 - gap) if panel_width else x1 - 1, y1 - 1)
    return Frame(to_px, to_data, bounds, panel_x0, data_y0 + scale * (ey1 - ey0) + top)


def label_points(
    ax: Axes,
    items: list[PointItem],
    *,
    marks: Sequence[tuple[float, float, float, str | None]],
    frame: Callable[[float], Frame],
    handles: list[tuple[Any, str]] | None,
    labels: str = "auto",
    key: bool = True,
    fixed: Callable[[Frame], list[np.ndarray]] | None = None,
) -> tuple[bool, Frame]:
    """Fit the frame, place every label, draw labels, leaders, legend and key.

    ``marks`` are ``(x, y, reach in points, owner)`` of every marker; ``frame(panel_width)``
    sets the axes limits for a panel of that width (pixels) and returns the frame; ``fixed``
    gives the boxes (pixels) of texts already drawn, for the frame. Returns whether people
    were numbered, and the frame used.
    """
    from .circle import draw_legend

    renderer = lab.renderer_of(ax)
    dpi = ax.get_figure(root=True).dpi
    pt = dpi / 72
    pad = lab.GAP_PT * pt
    legend = None
    legend_size = (0.0, 0.0)
    if handles:
        legend = draw_legend(ax, handles, loc="upper left", borderaxespad=0)
        extent = legend.get_window_extent(renderer)
        legend_size = (extent.width, extent.height)
    modes = {
        "auto": [(False, style.LABEL_FONTSIZE, 10.0), (False, style.MIN_FONTSIZE, 14.0),
                 (True, style.MIN_FONTSIZE, 40.0)],
        "names": [(False, style.LABEL_FONTSIZE, 10.0), (False, style.MIN_FONTSIZE, 14.0),
                  (False, style.MIN_FONTSIZE, 60.0)],
        "numbers": [(True, style.MIN_FONTSIZE, 40.0)],
    }[labels]
    key_texts = [f"{item.number}  {item.name.replace(chr(10), ' ')}" for item in items]
    placements: dict[str, lab.Placement] = {}
    for attempt, (numbered, fontsize, reach) in enumerate(modes):
        last = attempt == len(modes) - 1
        panel = legend_size[0]
        current = frame(panel)
        if numbered and key and items:
            # the key fills the panel below the legend, in as many columns as it needs
            for _ in range(3):
                start = _key_top(ax, current, legend_size[1])
                width = _key_layout(ax, key_texts, renderer, start)[3]
                if width <= panel + 0.5:
                    break
                panel = max(legend_size[0], width)
                current = frame(panel)
        occupancy = lab.Occupancy(None)
        for x, y, radius, _owner in marks:
            occupancy.add_marker(*current.to_px(x, y), radius * pt)
        for box in (fixed(current) if fixed else []):
            occupancy.add(box)
        occupancy.bounds = np.array(current.bounds)
        placements = {}
        failed = False
        # names may sit nearer another marker (with a leader line) only for a few people
        allowed = 0 if numbered or last else max(1, len(items) // 8)
        for item in sorted(items, key=lambda i: i.number):
            text = str(item.number) if numbered else item.name
            width, height = lab.measure(ax, text, renderer, fontsize=fontsize, **item.props)
            anchor = current.to_px(item.x, item.y)
            clearance = item.clearance_pt * pt + pad
            centres = lab.around_point(anchor[0], anchor[1], clearance, width, height,
                                       clearance + reach * height)
            others = np.array([(*current.to_px(x, y), r * pt) for x, y, r, owner in marks
                               if owner is not None and owner != item.key]).reshape(-1, 3)
            placement = lab.best(occupancy, anchor, clearance, width, height, centres, pad,
                                 others, strict=allowed == 0 and not (numbered or last))
            if placement is not None and placement.ambiguous and not (numbered or last):
                allowed -= 1
                if placement.crossing:  # a leader through another marker misleads
                    placement = None
            if placement is None and last:
                occupancy.bounds = None  # never leave a person unnamed
                placement = lab.best(occupancy, anchor, clearance, width, height, centres,
                                     pad, others)
                occupancy.bounds = np.array(current.bounds)
            if placement is None:
                failed = True
                break
            occupancy.add(placement.box)
            placements[item.key] = placement
        if not failed:
            break
    _draw_labels(ax, items, placements, current, numbered, fontsize)
    x0, y0, x1, y1 = ax.get_position(original=True).transformed(
        ax.get_figure(root=False).transSubfigure).extents
    top = min(current.top, y1)
    if legend is not None:
        legend.set_bbox_to_anchor(((current.panel_x0 - x0) / (x1 - x0), (top - y0) / (y1 - y0)),
                                  transform=ax.transAxes)
    if numbered and key and items:
        start = _key_top(ax, current, legend_size[1])
        rows, line, column, _width = _key_layout(ax, key_texts, renderer, start)
        ax.text((current.panel_x0 - x0) / (x1 - x0), (start - y0) / (y1 - y0), "key",
                transform=ax.transAxes, fontsize=style.LABEL_FONTSIZE, fontweight="bold",
                ha="left", va="top", gid="keytitle")
        ordered = sorted(zip(items, key_texts, strict=True), key=lambda pair: pair[0].number)
        for i, (item, text) in enumerate(ordered):
            col, row = divmod(i, rows)
            px = current.panel_x0 + col * column
            py = start - (row + 1.3) * line
            ax.text((px - x0) / (x1 - x0), (py - y0) / (y1 - y0), text, transform=ax.transAxes,
                    fontsize=style.MIN_FONTSIZE, ha="left", va="top", gid=f"key:{item.key}",
                    **{k: v for k, v in item.props.items() if k != "multialignment"})
    return numbered, current


def title_above(ax: Axes, text: str, frame: Frame, x_data: float) -> None:
    """The axes title, left-aligned at ``x_data`` just above the frame's data area."""
    x0, y0, x1, y1 = ax.get_position(original=True).transformed(
        ax.get_figure(root=False).transSubfigure).extents
    px = frame.to_px(x_data, 0.0)[0]
    ax.set_title(text, fontsize=10, loc="left", x=max((px - x0) / (x1 - x0), 0.0),
                 y=min((frame.top - y0) / (y1 - y0), 1.0), parse_math=False)


def _key_top(ax: Axes, frame: Frame, legend_height: float) -> float:
    """Where the key starts (pixels): below the legend, at the top of the panel."""
    y1 = ax.get_position(original=True).transformed(ax.get_figure(root=False).transSubfigure).y1
    pt = ax.get_figure(root=True).dpi / 72
    return min(frame.top, y1) - legend_height - (12 * pt if legend_height else 0.0)


def _key_layout(ax: Axes, texts: list[str], renderer,
                start: float) -> tuple[int, float, float, float]:
    """Rows per column, line height, column width and total width (pixels) of a key that
    starts at ``start`` (pixels) and may run down to the bottom of the axes."""
    y0 = ax.get_position(original=True).transformed(ax.get_figure(root=False).transSubfigure).y0
    pt = ax.get_figure(root=True).dpi / 72
    sizes = [lab.measure(ax, t, renderer, fontsize=style.MIN_FONTSIZE) for t in texts]
    line = max(h for _, h in sizes) + 2 * pt
    rows = max(int((start - y0 - 1.5 * line) // line), 4)
    column = max(w for w, _ in sizes) + 8 * pt
    return rows, line, column, math.ceil(len(texts) / rows) * column


def _draw_labels(ax: Axes, items: list[PointItem], placements: dict[str, lab.Placement],
                 frame: Frame, numbered: bool, fontsize: float) -> None:
    for item in items:
        placement = placements.get(item.key)
        if placement is None:  # pragma: no cover - label_points always places everyone
            continue
        x, y = frame.to_data(placement.cx, placement.cy)
        text = str(item.number) if numbered else item.name
        props = {"color": style.INK} | item.props
        ax.text(x, y, text, fontsize=fontsize, ha="center", va="center", zorder=6,
                gid=f"label:{item.key}",
                bbox=dict(boxstyle="square,pad=0.08", facecolor="white", edgecolor="none",
                          alpha=0.8), **props)
        if placement.leader:
            anchor = frame.to_px(item.x, item.y)
            end = lab.leader_end(anchor, placement.box)
            dx, dy = end[0] - anchor[0], end[1] - anchor[1]
            length = math.hypot(dx, dy) or 1.0
            reach = item.clearance_pt * ax.get_figure(root=True).dpi / 72
            start = (anchor[0] + dx / length * reach, anchor[1] + dy / length * reach)
            (sx, sy), (ex, ey) = frame.to_data(*start), frame.to_data(*end)
            ax.add_line(Line2D([sx, ex], [sy, ey], color="#444444", linewidth=0.6, zorder=5.5,
                               gid=f"leader:{item.key}"))
