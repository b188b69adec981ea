"""Label placement without overlaps: a deterministic greedy search over candidate positions.

Every figure that names people uses it. The work is done in display pixels at the time of
the call, with the text measured by the figure's renderer, so the labels are sized in points
and placed for the figure's current size (resizing the axes afterwards, e.g. with a layout
engine, can need the plot to be drawn again).

The algorithm, for each label in a fixed order:

1. candidate boxes are generated around the label's anchor (next to its marker in eight
   directions, then farther away along the ring or around the point, in order of distance);
2. the first candidate that stays inside the bounds and overlaps no marker and no label
   already placed is taken (markers, fixed texts and legends are registered first);
3. a label placed away from its marker gets a thin leader line.

When a label finds no place, the caller falls back (smaller font, numbers with a key, then
places outside the circle), so every person is always named. Everything is deterministic:
no random jitter, ties broken by candidate order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["Occupancy", "Placement", "around_point", "best", "box_at", "measure", "renderer_of"]

#: Gap between a marker's edge and its label, and between labels, in points.
GAP_PT = 1.5


def renderer_of(ax: Axes):
    """The renderer of the axes' figure (Agg's when the canvas is not an Agg canvas)."""
    figure = ax.get_figure(root=True)
    canvas = figure.canvas
    if hasattr(canvas, "get_renderer"):
        return canvas.get_renderer()
    return figure._get_renderer()


def measure(ax: Axes, text: str, renderer, **kwargs) -> tuple[float, float]:
    """Width and height in pixels of ``text`` drawn with ``kwargs`` on ``ax``'s figure."""
    artist = Text(0, 0, text, **kwargs)
    artist.set_figure(ax.get_figure(root=False))
    extent = artist.get_window_extent(renderer)
    return float(extent.width), float(extent.height)


def box_at(cx: float, cy: float, width: float, height: float) -> np.ndarray:
    """The box ``[x0, y0, x1, y1]`` of a label centred on ``cx, cy``."""
    return np.array([cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2])


class Occupancy:
    """Boxes already taken on the canvas (markers, labels, fixed texts), in pixels."""

    def __init__(self, bounds: Bbox | None = None):
        self.boxes = np.empty((0, 4))
        self.bounds = None if bounds is None else np.array(bounds.extents)

    def add(self, box: np.ndarray | Bbox) -> None:
        extents = np.array(box.extents if isinstance(box, Bbox) else box, dtype=float)
        self.boxes = np.vstack([self.boxes, extents[None, :]])

    def add_marker(self, x: float, y: float, radius: float) -> None:
        self.add(np.array([x - radius, y - radius, x + radius, y + radius]))

    def free(self, candidates: np.ndarray, pad: float) -> np.ndarray:
        """Which candidate boxes (shape (C, 4)) are inside the bounds and overlap nothing."""
        ok = np.ones(len(candidates), dtype=bool)
        if self.bounds is not None:
            x0, y0, x1, y1 = self.bounds
            ok &= ((candidates[:, 0] >= x0) & (candidates[:, 1] >= y0)
                   & (candidates[:, 2] <= x1) & (candidates[:, 3] <= y1))
        if len(self.boxes):
            c, b = candidates[:, None, :], self.boxes[None, :, :]
            overlap = ((c[..., 0] < b[..., 2] + pad) & (c[..., 2] + pad > b[..., 0])
                       & (c[..., 1] < b[..., 3] + pad) & (c[..., 3] + pad > b[..., 1]))
            ok &= ~overlap.any(axis=1)
        return ok


@dataclass(frozen=True)
class Placement:
    """Where a label went: its centre and box in pixels, and whether it needs a leader."""

    cx: float
    cy: float
    box: np.ndarray
    leader: bool
    ambiguous: bool = False
    crossing: bool = False


def _distance_to_boxes(x: float, y: float, boxes: np.ndarray) -> np.ndarray:
    dx = np.maximum(np.maximum(boxes[:, 0] - x, 0), x - boxes[:, 2])
    dy = np.maximum(np.maximum(boxes[:, 1] - y, 0), y - boxes[:, 3])
    return np.hypot(dx, dy)


def adjacent_centres(x: float, y: float, clearance: float, width: float, height: float,
                     first: tuple[float, float] = (1.0, 0.0)) -> np.ndarray:
    """Centres of boxes touching a marker's clearance circle, most preferred first.

    The four sides come first (right of, left of, above, below the marker, each box centred
    on the marker's row or column, so it reads as the marker's), then the four corners; each
    group is ordered by how well it points along ``first`` (e.g. radially outward).
    """
    diagonal = clearance * math.sqrt(0.5)
    sides = [((1, 0), (x + clearance + width / 2, y)), ((-1, 0), (x - clearance - width / 2, y)),
             ((0, 1), (x, y + clearance + height / 2)), ((0, -1), (x, y - clearance - height / 2))]
    corners = [((sx, sy), (x + sx * (diagonal + width / 2), y + sy * (diagonal + height / 2)))
               for sx in (1, -1) for sy in (1, -1)]

    def preference(item: tuple[tuple[float, float], tuple[float, float]]) -> float:
        (dx, dy), _ = item
        return -(dx * first[0] + dy * first[1]) / math.hypot(dx, dy)

    ordered = sorted(sides, key=preference) + sorted(corners, key=preference)
    return np.array([centre for _, centre in ordered])


def around_point(x: float, y: float, clearance: float, width: float, height: float,
                 max_distance: float) -> np.ndarray:
    """Candidate centres around a point: adjacent first, then rings farther out."""
    centres = [adjacent_centres(x, y, clearance, width, height)]
    step = max(height * 0.6, 2.0)
    radius = clearance + step
    while radius < max_distance:
        count = max(8, int(2 * math.pi * radius / step))
        angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
        centres.append(np.column_stack([
            x + (radius + width / 2 * np.abs(np.cos(angles))) * np.cos(angles),
            y + (radius + height / 2 * np.abs(np.sin(angles))) * np.sin(angles)]))
        radius += step
    return np.vstack(centres)


def best(occupancy: Occupancy, anchor: tuple[float, float], clearance: float,
         width: float, height: float, centres: np.ndarray, pad: float,
         others: np.ndarray | None = None, strict: bool = False) -> Placement | None:
    """The best free candidate, or None when none is free.

    Candidates are taken in order of the distance from the anchor to their box (so a box
    touching the marker wins whatever its side), then of their order in ``centres``. A
    candidate is *ambiguous* when another marker (rows ``x, y, radius`` of ``others``) is
    nearer to its box than the label's own marker; an unambiguous candidate is preferred
    unless it is much farther away than the nearest free one, and ``strict`` refuses
    ambiguous candidates altogether. A label placed away from its marker, or nearer to
    another one, gets a leader line.
    """
    if len(centres) == 0:
        return None
    boxes = np.column_stack([centres[:, 0] - width / 2, centres[:, 1] - height / 2,
                             centres[:, 0] + width / 2, centres[:, 1] + height / 2])
    distance = _distance_to_boxes(anchor[0], anchor[1], boxes)
    usable = distance >= clearance - 0.01  # the label may not cover its own marker
    order = np.lexsort((np.arange(len(boxes)), np.round(distance, 1)))
    order = order[usable[order]]
    has_others = others is not None and len(others) > 0

    def ambiguous(index: np.ndarray) -> np.ndarray:
        if not has_others:
            return np.zeros(len(index), dtype=bool)
        b = boxes[index]
        dx = np.maximum(np.maximum(b[:, None, 0] - others[None, :, 0], 0),
                        others[None, :, 0] - b[:, None, 2])
        dy = np.maximum(np.maximum(b[:, None, 1] - others[None, :, 1], 0),
                        others[None, :, 1] - b[:, None, 3])
        other_edge = np.hypot(dx, dy) - others[None, :, 2]
        nearer_edge = other_edge.min(axis=1) < distance[index] - clearance - 0.5
        # a label whose middle is nearer another marker that it also touches reads as that
        # marker's, even when its own marker is as close to its edge
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        own_middle = np.hypot(cx - anchor[0], cy - anchor[1])
        other_middle = np.hypot(cx[:, None] - others[None, :, 0], cy[:, None] - others[None, :, 1])
        nearer_middle = ((other_middle < 0.9 * own_middle[:, None])
                         & (other_edge < 1.5 * clearance + 2.0)).any(axis=1)
        return nearer_edge | nearer_middle

    def crossing(index: np.ndarray) -> np.ndarray:
        """Whether the leader line to each box would run through another marker."""
        if not has_others:
            return np.zeros(len(index), dtype=bool)
        b = boxes[index]
        ex = np.clip(anchor[0], b[:, 0], b[:, 2])
        ey = np.clip(anchor[1], b[:, 1], b[:, 3])
        vx, vy = ex - anchor[0], ey - anchor[1]
        length2 = np.maximum(vx ** 2 + vy ** 2, 1e-9)
        t = np.clip(((others[None, :, 0] - anchor[0]) * vx[:, None]
                     + (others[None, :, 1] - anchor[1]) * vy[:, None]) / length2[:, None], 0, 1)
        px = anchor[0] + t * vx[:, None] - others[None, :, 0]
        py = anchor[1] + t * vy[:, None] - others[None, :, 1]
        near = np.hypot(px, py) < others[None, :, 2]
        needs_leader = distance[index] > clearance + 2 * pad + 1.0
        return near.any(axis=1) & needs_leader

    slack = 3 * height + clearance
    fallback: int | None = None
    fallback_clean = False
    for chunk in np.array_split(order, max(1, math.ceil(len(order) / 256))):
        if len(chunk) == 0:
            continue
        if (fallback is not None and fallback_clean
                and distance[chunk[0]] > distance[fallback] + slack):
            break
        free = chunk[occupancy.free(boxes[chunk], pad)]
        if len(free) == 0:
            continue
        unclear = ambiguous(free) | crossing(free)
        if (~unclear).any():
            chosen = int(free[~unclear][0])
            if fallback is None or distance[chosen] <= distance[fallback] + slack:
                return _placement(centres, boxes, distance, chosen, clearance, pad, False)
        if not strict and not fallback_clean:
            clean = free[~crossing(free)]
            if len(clean):
                fallback, fallback_clean = int(clean[0]), True
            elif fallback is None:
                fallback = int(free[0])
    if fallback is None:
        return None
    placement = _placement(centres, boxes, distance, fallback, clearance, pad, True)
    if not fallback_clean:
        placement = Placement(placement.cx, placement.cy, placement.box, True, True, True)
    return placement


def _placement(centres: np.ndarray, boxes: np.ndarray, distance: np.ndarray, chosen: int,
               clearance: float, pad: float, ambiguous: bool) -> Placement:
    leader = bool(distance[chosen] > clearance + 2 * pad + 1.0 or ambiguous)
    return Placement(float(centres[chosen, 0]), float(centres[chosen, 1]), boxes[chosen], leader,
                     ambiguous)


def leader_end(anchor: tuple[float, float], box: np.ndarray) -> tuple[float, float]:
    """The point of ``box`` nearest to ``anchor``: where a leader line meets the label."""
    return (float(np.clip(anchor[0], box[0], box[2])), float(np.clip(anchor[1], box[1], box[3])))
