"""Stable positions: the same person sits at the same angle in every session's circle.

The layout is computed once per client from *everyone who is ever on the map* in the whole
record (everyone with a rating), never from one snapshot, so two circles of the same client
side by side differ only where something changed (DESIGN.md `plotting/`; the IPT Institute's
use of the circle "for examining change in relationships during treatment", DOMAIN.md §1).

Geometry, in data units of the circle's axes:

* the client sits at the centre, inside a small disc of radius :data:`CENTRE_RADIUS`;
* the rings are bands of equal width from the disc to the outer edge, whose radius is the
  number of rings; :func:`ring_radius` gives ring ``k``'s outer boundary (1 = innermost);
* the circle is cut into one slice per sector, in the fixed order of
  :data:`ipt_graph.vocab.SECTORS`, clockwise from the top (twelve o'clock); each slice is as
  wide as its share of the people (with a minimum), and an empty sector keeps a thin slice
  so that "nobody at work" is visible;
* within its slice, people are spread evenly in a fixed order: by the session they first
  entered the map, then by their order in the record.

Angles are in degrees, counter-clockwise from three o'clock (matplotlib's convention).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .. import vocab

if TYPE_CHECKING:
    from ..model import Client

__all__ = [
    "CENTRE_RADIUS",
    "START_ANGLE",
    "CircleLayout",
    "angles",
    "circle_layout",
    "network_positions",
    "person_numbers",
    "polar",
    "ring_inner",
    "ring_middle",
    "ring_radius",
]

#: Radius of the client's disc at the centre, in the units where the outer edge is ``rings``.
CENTRE_RADIUS = 0.45
#: The first sector (family) starts at twelve o'clock and slices run clockwise.
START_ANGLE = 90.0
#: Width of the slice of a sector with nobody in it, in degrees.
EMPTY_SECTOR_DEGREES = 14.0
#: Minimum width of the slice of a sector with somebody in it, in degrees.
MIN_SECTOR_DEGREES = 30.0


def ring_radius(ring: int, rings: int) -> float:
    """Outer boundary of ``ring`` (1 = innermost) on a circle of ``rings`` rings.

    The rings are bands of equal width between the client's disc (:data:`CENTRE_RADIUS`) and
    the outer edge at radius ``rings``; ring 0 is the disc itself.

    Examples
    --------
    >>> [round(ring_radius(k, 3), 3) for k in range(4)]
    [0.45, 1.3, 2.15, 3.0]
    """
    return CENTRE_RADIUS + ring * (rings - CENTRE_RADIUS) / rings


def ring_inner(ring: int, rings: int) -> float:
    """Inner boundary of ``ring``: the outer boundary of the ring inside it."""
    return ring_radius(ring - 1, rings)


def ring_middle(ring: int, rings: int) -> float:
    """Where a person of ``ring`` sits: the middle of the band."""
    return (ring_inner(ring, rings) + ring_radius(ring, rings)) / 2.0


def polar(radius: float, angle: float) -> tuple[float, float]:
    """Cartesian position of a point at ``radius`` and ``angle`` (degrees)."""
    theta = math.radians(angle)
    return radius * math.cos(theta), radius * math.sin(theta)


@dataclass(frozen=True)
class CircleLayout:
    """The stable layout of one client's circle.

    ``angles`` maps each person ever on the map to their angle (degrees); ``sectors`` maps
    each sector to its slice ``(start, end)`` in degrees, going clockwise from ``start``
    (``start > end``); ``order`` lists the people in layout order (sector, then within the
    sector), which is also the order of their numbers when labels are numbered.
    """

    angles: dict[str, float]
    sectors: dict[str, tuple[float, float]]
    order: tuple[str, ...]

    def number(self, person_id: str) -> int:
        """The person's number in keys: their 1-based place in :attr:`order`."""
        return self.order.index(person_id) + 1


def _entry_order(client: Client) -> list[str]:
    """Everyone ever on the map, by first rated session, then by their place in the record."""
    first: dict[str, int] = {}
    for rating in client.ratings:
        first[rating.person_id] = min(first.get(rating.person_id, rating.session), rating.session)
    place = {p.person_id: i for i, p in enumerate(client.people)}
    return sorted(first, key=lambda pid: (first[pid], place.get(pid, len(place))))


def _slice_widths(counts: Mapping[str, int]) -> dict[str, float]:
    """Degrees per sector: proportional to the people in it, with minimums (water-filling)."""
    empty = [s for s in counts if counts[s] == 0]
    full = {s: n for s, n in counts.items() if n > 0}
    if not full:
        return {s: 360.0 / len(counts) for s in counts}
    widths = {s: EMPTY_SECTOR_DEGREES for s in empty}
    free = 360.0 - EMPTY_SECTOR_DEGREES * len(empty)
    fixed: dict[str, float] = {}
    while True:
        rest = {s: n for s, n in full.items() if s not in fixed}
        budget = free - sum(fixed.values())
        total = sum(rest.values())
        share = {s: budget * n / total for s, n in rest.items()}
        small = {s for s, w in share.items() if w < MIN_SECTOR_DEGREES}
        if not small or len(small) == len(rest):
            widths |= fixed | share
            return widths
        fixed |= {s: MIN_SECTOR_DEGREES for s in small}


def circle_layout(client: Client) -> CircleLayout:
    """The stable layout of ``client``'s closeness circle, from the whole record.

    Examples
    --------
    A partner and a friend, four empty sectors of 14 degrees each, so the two people's
    sectors share the remaining 304 degrees; each person sits in the middle of their slice:

    >>> import ipt_graph as ig
    >>> client = ig.Client("C-1")
    >>> for pid, role in (("p1", "partner"), ("p2", "friend")):
    ...     _ = client.add_person(pid, role=role)
    >>> _ = client.add_session(1)
    >>> for pid in ("p1", "p2"):
    ...     _ = client.rate(1, pid, ring=1)
    >>> layout = circle_layout(client)
    >>> layout.sectors["family"], layout.angles
    ((90.0, -62.0), {'p1': 14.0, 'p2': 222.0})
    """
    order = _entry_order(client)
    sector_of = {p.person_id: str(p.resolved_sector) for p in client.people}
    by_sector: dict[str, list[str]] = {str(s): [] for s in vocab.SECTORS}
    for pid in order:
        by_sector[sector_of[pid]].append(pid)
    widths = _slice_widths({s: len(people) for s, people in by_sector.items()})
    result: dict[str, float] = {}
    sectors: dict[str, tuple[float, float]] = {}
    layout_order: list[str] = []
    start = START_ANGLE
    for sector, people in by_sector.items():
        width = widths[sector]
        sectors[sector] = (start, start - width)
        for j, pid in enumerate(people):
            result[pid] = (start - (j + 0.5) * width / len(people)) % 360.0
            layout_order.append(pid)
        start -= width
    return CircleLayout(result, sectors, tuple(layout_order))


def angles(client: Client) -> dict[str, float]:
    """Each person's angle on the circle, in degrees, the same in every session.

    Computed from everyone ever on the map in the whole record, grouped by sector (see the
    module docstring). Use it to draw your own figures that line up with
    :func:`ipt_graph.plot_circle`.
    """
    return circle_layout(client).angles


def person_numbers(client: Client) -> dict[str, int]:
    """The number each person has in the keys of every figure of this client."""
    layout = circle_layout(client)
    return {pid: i + 1 for i, pid in enumerate(layout.order)}


def network_positions(client: Client, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Seeded force-directed positions of everyone ever on the map, with the client at 0, 0.

    The graph is the union over every session: the client tied to everyone, weighted by the
    closest ring the person ever had, and every tie ever observed. The layout starts from the
    closeness circle, so people stay near their sector, and is seeded, so the same record
    always gives the same picture; one layout serves every session.
    """
    import networkx as nx  # only the network view needs it

    layout = circle_layout(client)
    graph = nx.Graph()
    graph.add_node("ego")
    closest: dict[str, int] = {}
    for rating in client.ratings:
        if rating.ring is not None:
            closest[rating.person_id] = min(closest.get(rating.person_id, 99), rating.ring)
    start: dict[str, np.ndarray] = {"ego": np.zeros(2)}
    for pid in layout.order:
        ring = closest.get(pid, client.rings)
        graph.add_edge("ego", pid, weight=(client.rings - ring + 1) / client.rings)
        start[pid] = np.array(polar(ring_middle(ring, client.rings), layout.angles[pid]))
    for tie in client.ties:
        if not tie.ended and tie.a in start and tie.b in start:
            graph.add_edge(tie.a, tie.b, weight=tie.weight)
    if len(graph) == 1:
        return {"ego": (0.0, 0.0)}
    positions = nx.spring_layout(graph, pos=start, fixed=["ego"], weight="weight", seed=seed,
                                 k=1.2 / math.sqrt(len(graph)), iterations=60)
    points = np.array([positions[pid] for pid in layout.order])
    scale = float(np.max(np.hypot(points[:, 0], points[:, 1]))) or 1.0
    return {"ego": (0.0, 0.0)} | {pid: (float(positions[pid][0] / scale),
                                          float(positions[pid][1] / scale))
                                    for pid in layout.order}
