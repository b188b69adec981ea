"""Measure trajectories: chosen measures of :data:`ipt_graph.METRICS` over the sessions.

One line per measure, each named at its end (direct labels, pushed apart so they never
overlap), with the phases as bands and missed sessions marked, as on the outcome chart.
Counts and means share one axis; measures on a 0-1 scale (density, efficiency, IQV) read
best on their own, so pass them together in ``names``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from matplotlib.lines import Line2D

from ..errors import NotFoundError
from . import labels as lab
from . import style
from ._common import get_ax
from ._sessions import draw_missed, draw_phases, session_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Client

__all__ = ["DEFAULT_METRICS", "plot_metrics"]

#: What the chart shows when no names are given: the size and quality of the network.
DEFAULT_METRICS: tuple[str, ...] = (
    "n_people", "n_ring_1", "n_confidants", "n_ambivalent", "support_mean", "conflict_mean",
)


def plot_metrics(
    client: Client,
    names: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    threshold: float | None = None,
    title: str | bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw measures of the client's inventory over the sessions.

    Parameters
    ----------
    client : Client
    names : sequence of str, optional
        Names from :data:`ipt_graph.METRICS`; :data:`DEFAULT_METRICS` by default.
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None.
    threshold : float, optional
        The typing threshold for the type counts (DOMAIN.md §4).
    title : str or bool
    **kwargs
        Passed to every line (``Axes.plot``).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    NotFoundError
        When a name is not a measure of METRICS.

    Notes
    -----
    Every session has a row (DESIGN.md §3 rule 7), missed ones included; a measure that is
    NaN at a session (density with fewer than two living people) leaves a gap. Lines carry
    gids ``metric:<name>`` and their end labels ``metriclabel:<name>``.
    """
    from ..metrics import METRICS, client_metrics

    chosen = list(DEFAULT_METRICS if names is None else names)
    unknown = [name for name in chosen if name not in METRICS]
    if unknown or not chosen:
        raise NotFoundError(f"names must be measures of METRICS ({', '.join(METRICS)}), got "
                            f"{', '.join(repr(n) for n in unknown) or 'none'}")
    ax = get_ax(ax)
    table = (client_metrics(client) if threshold is None
             else client_metrics(client, threshold=threshold))
    with style.rc():
        draw_phases(ax, client)
        draw_missed(ax, client)
        sessions = [int(s) for s in table["session"]]
        ends = []
        for i, name in enumerate(chosen):
            values = [float(v) for v in table[name]]
            colour = style.LINE_COLOURS[i % len(style.LINE_COLOURS)]
            linestyle = style.LINE_STYLES[(i // len(style.LINE_COLOURS)) % len(
                style.LINE_STYLES)]
            options = dict(color=colour, linestyle=linestyle, linewidth=1.6, marker="o",
                           markersize=3.5, zorder=3, gid=f"metric:{name}", label=name)
            ax.plot(sessions, values, **(options | kwargs))
            last = next(((s, v) for s, v in zip(reversed(sessions), reversed(values),
                                                 strict=True) if not math.isnan(v)), None)
            if last is not None:
                ends.append((name, last[0], last[1], colour))
        session_axis(ax, client)
        ax.set_ylabel("value", fontsize=style.LABEL_FONTSIZE)
        _end_labels(ax, ends, sessions)
        if title:
            ax.set_title(title if isinstance(title, str) else
                         f"{client.client_id} \u00b7 network measures", fontsize=10, loc="left",
                         parse_math=False)
    return ax


def _end_labels(ax: Axes, ends: list[tuple[str, int, float, str]], sessions: list[int]) -> None:
    """Each line named just right of its last point; names pushed apart vertically.

    The x range grows to make room for the names; the y range gets a little headroom for the
    phase names along the top.
    """
    renderer = lab.renderer_of(ax)
    values = [v for _, _, v, _ in ends]
    low = min([0.0, *values]) if values else 0.0
    high = max([*values, 1.0]) if values else 1.0
    for line in ax.lines:
        if str(line.get_gid()).startswith("metric:"):
            finite = [y for y in line.get_ydata() if not math.isnan(y)]
            if finite:
                low, high = min(low, min(finite)), max(high, max(finite))
    span = high - low or 1.0
    box = ax.get_window_extent(renderer)
    pt = ax.get_figure(root=True).dpi / 72
    widths = [lab.measure(ax, name, renderer, fontsize=style.LABEL_FONTSIZE)[0]
              for name, *_ in ends]
    label_width = (max(widths) if widths else 0.0) + 8 * pt
    first, last = (sessions[0], sessions[-1]) if sessions else (0, 1)
    data_width = max(box.width - label_width, box.width * 0.5)
    per_session = data_width / max(last - first + 1.2, 1.0)
    ax.set_xlim(first - 0.6, first - 0.6 + box.width / per_session)
    headroom = 14 * pt / max(box.height, 1.0)
    bottom = low - 0.05 * span
    ax.set_ylim(bottom, bottom + (high + 0.05 * span - bottom) / (1 - headroom))
    # 1-D non-overlap: sort by value, push up while closer than one line height
    per_unit = box.height * (1 - headroom) / (high - low + 0.1 * span)
    line = lab.measure(ax, "Ag", renderer, fontsize=style.LABEL_FONTSIZE)[1] + 1 * pt
    order = sorted(range(len(ends)), key=lambda i: ends[i][2])
    positions = [ends[i][2] * per_unit for i in order]
    for k in range(1, len(positions)):
        positions[k] = max(positions[k], positions[k - 1] + line)
    overshoot = positions[-1] - high * per_unit if positions else 0.0
    if overshoot > 0:  # slide the stack down, but never below the lowest line's value
        positions = [max(p - overshoot, positions[0]) for p in positions]
        for k in range(1, len(positions)):
            positions[k] = max(positions[k], positions[k - 1] + line)
    for k, i in enumerate(order):
        name, session, value, colour = ends[i]
        y = positions[k] / per_unit
        ax.text(last + 0.35, y, name, ha="left", va="center", fontsize=style.LABEL_FONTSIZE,
                color=colour, gid=f"metriclabel:{name}", zorder=4)
        if abs(y - value) * per_unit > 2 * pt:
            ax.add_line(Line2D([session + 0.08, last + 0.3], [value, y], color=colour,
                               linewidth=0.5, zorder=3, gid=f"metricleader:{name}"))
