"""The outcome chart: a symptom or social measure over the sessions (DOMAIN.md §6).

The score per session is drawn over the instrument's severity bands, with the caseness
cut-off as a dashed line and the reliable-change band around the start score (a change that
stays inside it is not reliable: NHS Talking Therapies' thresholds for PHQ-9 and GAD-7, or
Jacobson & Truax 1991 from norms). Phases are bands along the session axis (DOMAIN.md §3);
missed sessions are drawn as dotted lines with a cross. PHQ-9 item 9 (thoughts of self-harm)
above 0 is flagged at every session where it is (Kroenke, Spitzer & Williams 2001), as
DOMAIN.md §6 requires wherever the score is shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from . import labels as lab
from . import style
from ._common import get_ax
from ._sessions import draw_missed, draw_phases, missed_handle, session_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Client
    from ..outcomes import Instrument

__all__ = ["plot_outcomes"]

_FLAG = style.OKABE_ITO["vermillion"]
_RC = style.OKABE_ITO["sky_blue"]
_SCORE = style.OKABE_ITO["blue"]


def plot_outcomes(
    client: Client,
    instrument: str | Instrument = "phq9",
    *,
    ax: Axes | None = None,
    instruments: Mapping[str, Instrument] | None = None,
    banding: str | None = None,
    norms: tuple[float, float] | None = None,
    title: str | bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw one instrument's score per session with its bands and thresholds.

    Parameters
    ----------
    client : Client
    instrument : str or Instrument
        ``"phq9"`` by default; any instrument of :func:`ipt_graph.outcomes.registry`.
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None.
    instruments : mapping, optional
        Where to look ``instrument`` up (default: the built-in instruments).
    banding : str, optional
        Which banding to shade (HAM-D17 has two); the instrument's default otherwise.
    norms : (sd, reliability), optional
        For an instrument without a published reliable-change threshold: the standard
        deviation and reliability of the Jacobson & Truax index; the band is then
        ``start ± 1.96 * sqrt(2) * sd * sqrt(1 - reliability)``.
    title : str or bool
    **kwargs
        Passed to the score line (``Axes.plot``), e.g. ``color``.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    The start is the first session with this instrument (DOMAIN.md §6). Artists carry gids
    ``score``, ``band:<name>``, ``caseness``, ``reliable_change``, ``item9:<session>``,
    ``phase:<phase>:<i>`` and ``missed:<session>``.
    """
    from ..outcomes import JT_CRITICAL, get_instrument, item9_flags, measures_table

    spec = get_instrument(instrument, instruments)
    ax = get_ax(ax)
    table = measures_table(client, instruments=instruments)
    totals = table[(table["instrument"] == spec.name) & (table["item"] == "total")]
    sessions = [int(s) for s in totals["session"]]
    scores = [float(v) for v in totals["value"]]
    with style.rc():
        low, high = spec.range
        span = high - low
        handles: list[tuple[Any, str]] = []
        draw_phases(ax, client)
        if spec.bands:
            _draw_bands(ax, spec, banding)
        if spec.caseness is not None:
            ax.axhline(spec.caseness, color=_FLAG, linestyle="--", linewidth=1.0, zorder=2,
                       gid="caseness")
            sign = "\u2264" if spec.higher_is_better else "\u2265"
            handles.append((Line2D([], [], color=_FLAG, linestyle="--", linewidth=1.0),
                            f"caseness ({sign} {spec.caseness:g})"))
        threshold = spec.reliable_change
        source = "published threshold"
        if norms is not None:
            sd, reliability = norms
            threshold = JT_CRITICAL * math.sqrt(2) * sd * math.sqrt(1 - reliability)
            source = "Jacobson & Truax"
        if threshold is not None and scores:
            start_session = sessions[0]
            end = client.sessions[-1].number + 0.5
            ax.add_patch(Rectangle((start_session, scores[0] - threshold),
                                   end - start_session, 2 * threshold, facecolor=_RC,
                                   alpha=0.25, edgecolor=_RC, hatch="////", linewidth=0,
                                   zorder=1.5, gid="reliable_change"))
            handles.append((Patch(facecolor=_RC, alpha=0.35, edgecolor=_RC, hatch="////"),
                            f"no reliable change (\u00b1{threshold:.3g}, {source})"))
        options = dict(color=_SCORE, linewidth=1.8, marker="o", markersize=5, zorder=4,
                       gid="score")
        ax.plot(sessions, scores, **(options | kwargs))
        handles.insert(0, (Line2D([], [], color=_SCORE, linewidth=1.8, marker="o",
                                  markersize=5), f"{spec.title} total"))
        missed = draw_missed(ax, client)
        if missed:
            handles.append((missed_handle(), "missed session"))
        if spec.name == "phq9":
            flags = item9_flags(client)
            flagged = flags[flags["flag"].fillna(False).astype(bool)]
            by_session = dict(zip(sessions, scores, strict=True))
            for session in flagged["session"]:
                y = by_session.get(int(session))
                if y is None:
                    continue
                ax.plot([int(session)], [y + 0.06 * span], marker="v", markersize=7,
                        color=_FLAG, markeredgecolor=style.INK, markeredgewidth=0.5,
                        linestyle="none", zorder=6, gid=f"item9:{int(session)}",
                        clip_on=False)
            if len(flagged):
                handles.append((Line2D([], [], marker="v", markersize=7, color=_FLAG,
                                       markeredgecolor=style.INK, markeredgewidth=0.5,
                                       linestyle="none"),
                                "item 9 > 0: thoughts of self-harm"))
        session_axis(ax, client)
        better = "higher is better" if spec.higher_is_better else "lower is better"
        ax.set_ylabel(f"{spec.title} ({better})", fontsize=style.LABEL_FONTSIZE)
        _fit_legend(ax, handles, low, high)
        if title:
            ax.set_title(title if isinstance(title, str) else
                         f"{client.client_id} \u00b7 {spec.title}", fontsize=10, loc="left",
                         parse_math=False)
        if not scores:
            ax.text(0.5, 0.5, f"no {spec.title} recorded", transform=ax.transAxes,
                    ha="center", va="center", fontsize=style.LABEL_FONTSIZE, color="#555555",
                    gid="empty")
    return ax


def _draw_bands(ax: Axes, spec: Instrument, banding: str | None) -> None:
    """Severity bands as light shades, darker for worse, named on the right-hand side."""
    name = banding or spec.default_banding
    if name not in spec.bands:
        raise ValueError(f"banding must be one of {', '.join(spec.bands)} for {spec.title}, "
                         f"got {banding!r}")
    bands = list(spec.bands[name])
    low, high = spec.range
    count = len(bands)
    ticks, labels = [], []
    for i, band in enumerate(bands):
        severity = (count - 1 - i) if spec.higher_is_better else i
        bottom, top = max(band.low, low), min(band.high, high)
        ax.axhspan(bottom, top, facecolor=style.OKABE_ITO["orange"],
                   alpha=0.04 + 0.22 * severity / max(count - 1, 1), edgecolor="none",
                   zorder=0.2, gid=f"band:{band.name}")
        ticks.append((bottom + top) / 2)
        labels.append(band.name.replace("none_minimal", "none/minimal").replace("_", " "))
    secondary = ax.secondary_yaxis("right")
    secondary.set_yticks(ticks, labels=[_wrap(text) for text in labels],
                         fontsize=style.MIN_FONTSIZE, color="#555555")
    secondary.tick_params(length=0, pad=2)
    secondary.spines["right"].set_visible(False)


def _wrap(text: str) -> str:
    """Band names longer than one short word go on two lines, to keep the margin narrow."""
    words = text.split(" ")
    return "\n".join([" ".join(words[:1]), " ".join(words[1:])]) if len(words) > 1 else text


def _fit_legend(ax: Axes, handles: list[tuple[Any, str]], low: float, high: float) -> None:
    """The legend above the data, inside the axes: the y range grows to make room for it."""
    from .circle import draw_legend

    renderer = lab.renderer_of(ax)
    legend = draw_legend(ax, handles, loc="upper left", bbox_to_anchor=(0.0, 1.0),
                         ncols=min(3, max(len(handles), 1)), borderaxespad=0.2,
                         columnspacing=1.2, handlelength=1.8)
    legend.set_zorder(7)
    box = ax.get_window_extent(renderer)
    legend_height = legend.get_window_extent(renderer).height
    pt = ax.get_figure(root=True).dpi / 72
    # phases are named inside the top; the legend sits above the phase names
    reserved = legend_height + 14 * pt
    fraction = min(reserved / max(box.height, 1.0), 0.6)
    span = high - low
    bottom = low - 0.04 * span
    top = high + 0.02 * span
    ax.set_ylim(bottom, bottom + (top - bottom) / (1 - fraction))
    from matplotlib.ticker import MaxNLocator

    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    ax.set_yticks([t for t in ticks if low - 1e-9 <= t <= high + 1e-9])
    legend.set_bbox_to_anchor((0.0, 1.0), transform=ax.transAxes)
    for text in ax.texts:
        if str(text.get_gid()).startswith("phaselabel:"):
            text.set_y(1 - (legend_height + 3 * pt) / max(box.height, 1.0))
