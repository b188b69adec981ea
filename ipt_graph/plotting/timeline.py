"""The timeline, or life chart: life events, the onset, the sessions and the symptom line.

IPT links the onset of symptoms to interpersonal events (a death, a dispute, a transition);
the life chart puts them on one time axis. Each dated life event is a marker at its date or,
when the date is approximate ("2025" or "2025-03"), a bar across the whole year or month it
may have been in; its label names the kind of event and the people involved. The onset (the
client's onset date and any event flagged as the onset) is marked in vermillion, dated role
transitions are drawn like events, and the sessions are ticks along the bottom of the event
area (hollow when missed). Beneath, in a strip of the same axes' width that shares its time
axis, the symptom score at each session.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..model import approx_date_span
from . import labels as lab
from . import style
from ._common import check_redact, get_ax, redacted_labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Client

__all__ = ["plot_timeline"]

_ONSET = style.OKABE_ITO["vermillion"]
_EVENT = style.OKABE_ITO["blue"]
_SCORE = style.OKABE_ITO["blue"]
#: Height of the symptom strip, as a fraction of the axes.
STRIP = 0.3
#: A role transition's "old role -> new role" (free text) is wrapped at this many characters,
#: on at most three lines.
WRAP = 40


def plot_timeline(
    client: Client,
    *,
    ax: Axes | None = None,
    redact: bool | str = False,
    instrument: str | None = "phq9",
    title: str | bool = True,
) -> Axes:
    """Draw the client's life chart: events, onset, sessions and the symptom line.

    Parameters
    ----------
    client : Client
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None. The symptom line goes in an inset
        axes along the bottom of ``ax`` (``ax.child_axes``), sharing its time axis.
    redact : bool or {"role", "code"}
        As in :func:`ipt_graph.plot_circle`, for the people named on events.
    instrument : str or None
        The measure drawn beneath (PHQ-9 by default); None for none.
    title : str or bool

    Returns
    -------
    matplotlib Axes
        ``ax``, holding the events; the strip is its child.

    Notes
    -----
    Events without a date cannot be placed and are counted in a note. Artists carry gids
    ``event:<id>`` (a marker or a bar), ``eventlabel:<id>``, ``onset``, ``onsetlabel``,
    ``transition``, ``session:<n>`` and, in the strip, ``score``.
    """
    ax = get_ax(ax)
    with style.rc():
        _draw(ax, client, check_redact(redact), instrument, title)
    return ax


def _event_rows(client: Client, names: dict[str, str],
                redact: str | None) -> list[dict[str, Any]]:
    rows = []
    for event in client.events:
        if event.date is None:
            continue
        start, end = approx_date_span(event.date)
        people = ", ".join(names.get(pid, pid) for pid in event.people)
        text = str(event.kind).replace("_", " ")
        if people:
            text += f": {people}"
        rows.append(dict(key=event.event_id, start=start, end=end, text=text,
                         onset=bool(event.onset), exact=start == end))
    for i, area in enumerate(client.problem_areas):
        if area.date is not None:
            start, end = approx_date_span(area.date)
            text = "role transition"
            if redact is None and area.old_role and area.new_role:  # free text: not redacted
                text += f": {area.old_role} \u2192 {area.new_role}"
                text = "\n".join(textwrap.wrap(text, WRAP, max_lines=3, placeholder=" \u2026",
                                               break_on_hyphens=False))
            rows.append(dict(key=f"transition{i}", start=start, end=end, text=text,
                             onset=False, exact=start == end, transition=True))
    rows.sort(key=lambda r: (r["start"], r["key"]))
    return rows


def _draw(ax: Axes, client: Client, redact: str | None, instrument: str | None,
          title: str | bool) -> None:
    names = redacted_labels(client, redact)
    events = _event_rows(client, names, redact)
    dates = [s.date for s in client.sessions if s.date is not None]
    onset = approx_date_span(client.onset_date) if client.onset_date else None
    moments = dates + [r["start"] for r in events] + [r["end"] for r in events]
    if onset:
        moments += list(onset)
    if not moments:
        moments = [dt.date.today()]
    first, last = min(moments), max(moments)
    pad = max((last - first).days * 0.03, 15)
    x0 = mdates.date2num(first - dt.timedelta(days=pad))
    x1 = mdates.date2num(last + dt.timedelta(days=pad))

    strip = None
    scores = _scores(client, instrument) if instrument else []
    if scores:
        strip = ax.inset_axes([0.0, 0.0, 1.0, STRIP])
    top_of_strip = STRIP + 0.06 if strip is not None else 0.0
    ax.set_xlim(x0, x1)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])

    x0, x1 = _pack(ax, events, x0, x1)
    count = max((r["row"] for r in events), default=-1) + 1
    # the event area: rows from the top down, sessions at its bottom
    base = top_of_strip + 0.1
    height = max(count, 1)
    ax.set_ylim(-(base / (1 - base)) * (height + 1), height + 0.6)
    session_y = -0.55
    for r in events:
        y = height - 0.5 - r["row"]
        colour = _ONSET if r["onset"] else _EVENT
        s, e = mdates.date2num(r["start"]), mdates.date2num(r["end"] + dt.timedelta(days=1))
        if r["exact"]:
            ax.plot([s], [y], marker="D" if r.get("transition") else "o", markersize=6,
                    color=colour, markeredgecolor=style.INK, markeredgewidth=0.6,
                    linestyle="none", zorder=3, gid=f"event:{r['key']}")
        else:
            ax.add_patch(Rectangle((s, y - 0.18), e - s, 0.36, facecolor=colour, alpha=0.45,
                                   edgecolor=colour, linewidth=0.8, zorder=3,
                                   hatch="///" if r.get("transition") else None,
                                   gid=f"event:{r['key']}"))
        ax.text(r["label_x"], y, r["text"], ha="left", va="center",
                fontsize=style.LABEL_FONTSIZE, color=style.INK,
                fontweight="bold" if r["onset"] else "normal", zorder=4,
                bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none",
                          alpha=0.7), gid=f"eventlabel:{r['key']}")
    handles: list[tuple[Any, str]] = [
        (Line2D([], [], marker="o", color=_EVENT, markeredgecolor=style.INK, linestyle="none",
                markersize=6), "event (exact date)"),
        (Rectangle((0, 0), 1, 1, facecolor=_EVENT, alpha=0.45, edgecolor=_EVENT),
         "event (month or year)"),
    ]
    if onset is not None:
        s, e = mdates.date2num(onset[0]), mdates.date2num(onset[1] + dt.timedelta(days=1))
        if e - s > 1:
            ax.axvspan(s, e, color=_ONSET, alpha=0.12, zorder=0.5, gid="onset")
        ax.axvline(s, color=_ONSET, linewidth=1.2, zorder=0.6, gid="onsetline")
        ax.text(s, 1.0, " onset", transform=ax.get_xaxis_transform(), ha="left", va="top",
                fontsize=style.LABEL_FONTSIZE, color=_ONSET, fontweight="bold",
                gid="onsetlabel")
    if onset is not None or any(r["onset"] for r in events):
        handles.append((Line2D([], [], color=_ONSET, linewidth=1.2, marker="o",
                               markeredgecolor=style.INK), "onset"))
    for session in client.sessions:
        if session.date is None:
            continue
        x = mdates.date2num(session.date)
        ax.plot([x], [session_y], marker="|", markersize=9, markeredgewidth=1.4,
                color=style.INK if session.attended else style.GREY, linestyle="none",
                zorder=3, gid=f"session:{session.number}")
        if not session.attended:
            ax.plot([x], [session_y - 0.3], marker="x", markersize=4, color=style.GREY,
                    linestyle="none", zorder=3, gid=f"missed:{session.number}")
    if dates:
        ax.text(mdates.date2num(dates[0]), session_y + 0.3, "sessions", ha="left",
                va="bottom", fontsize=style.MIN_FONTSIZE, color="#555555", gid="sessionlabel")
        handles.append((Line2D([], [], marker="|", markersize=9, markeredgewidth=1.4,
                               color=style.INK, linestyle="none"), "session"))
    undated = sum(1 for event in client.events if event.date is None)
    if undated:
        ax.text(1.0, 1.0, f"{undated} undated event{'s' if undated > 1 else ''} not shown",
                transform=ax.transAxes, ha="right", va="top", fontsize=style.MIN_FONTSIZE,
                color="#555555", gid="undated")
    if not events and not dates:
        ax.text(0.5, 0.6, "no dated events or sessions", transform=ax.transAxes,
                ha="center", va="center", fontsize=style.LABEL_FONTSIZE, color="#555555",
                gid="empty")
    _date_axis(ax)
    if strip is not None:
        _draw_strip(ax, strip, client, scores, instrument, x0, x1)
        ax.tick_params(axis="x", labelbottom=False, length=0)
        ax.spines["bottom"].set_visible(False)
    from .circle import draw_legend

    draw_legend(ax, handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(handles),
                borderaxespad=0.3, handlelength=1.5, columnspacing=1.0)
    if title:
        ax.set_title(title if isinstance(title, str) else f"{client.client_id} \u00b7 life chart",
                     fontsize=10, loc="left", pad=18, parse_math=False)
    style.check_glyphs([r["text"] for r in events])


def _pack(ax: Axes, events: list[dict[str, Any]], x0: float, x1: float) -> tuple[float, float]:
    """Give each event a row so that no two labels (or bars) overlap: greedy by date.

    An event's label goes right of it; one that would run past the right edge goes left;
    when it fits on neither side the time axis is widened. Returns the (possibly widened)
    x limits, which are set on ``ax``.
    """
    renderer = lab.renderer_of(ax)
    box = ax.get_window_extent(renderer)
    pt = ax.get_figure(root=True).dpi / 72
    widths = [lab.measure(ax, r["text"], renderer, fontsize=style.LABEL_FONTSIZE,
                          fontweight="bold" if r["onset"] else "normal")[0] for r in events]
    for _ in range(4):
        per_day = box.width / max(x1 - x0, 1.0)
        overflow_left = overflow_right = 0.0
        for r, width_px in zip(events, widths, strict=True):
            s = mdates.date2num(r["start"])
            e = mdates.date2num(r["end"] + dt.timedelta(days=1))
            width = width_px / per_day
            marker = 5 * pt / per_day if r["exact"] else 0.0
            left, right = s - marker, e + marker
            label_x = right + 3 * pt / per_day
            r["extent"] = (left, label_x + width)
            if r["extent"][1] > x1:  # no room on the right: the label goes on the left
                label_x = left - 3 * pt / per_day - width
                r["extent"] = (label_x, right)
                if label_x < x0:
                    label_x = right + 3 * pt / per_day
                    r["extent"] = (left, label_x + width)
                    overflow_right = max(overflow_right, r["extent"][1] - x1)
            overflow_left = max(overflow_left, x0 - r["extent"][0])
            r["label_x"] = label_x
        if overflow_left <= 0 and overflow_right <= 0:
            break
        x0 -= max(overflow_left, 0.0) * 1.1
        x1 += max(overflow_right, 0.0) * 1.1
    gap = 6 * pt / (box.width / max(x1 - x0, 1.0))
    taken_rows: list[list[tuple[float, float]]] = []
    for r in events:
        extent = r["extent"]
        for row, taken in enumerate(taken_rows):
            if all(extent[0] > b + gap or extent[1] < a - gap for a, b in taken):
                taken.append(extent)
                r["row"] = row
                break
        else:
            taken_rows.append([extent])
            r["row"] = len(taken_rows) - 1
    ax.set_xlim(x0, x1)
    return x0, x1


def _scores(client: Client, instrument: str) -> list[tuple[dt.date, float, int]]:
    from ..outcomes import measures_table

    table = measures_table(client)
    totals = table[(table["instrument"] == instrument) & (table["item"] == "total")]
    dates = {s.number: s.date for s in client.sessions}
    return [(dates[int(n)], float(v), int(n)) for n, v in zip(totals["session"], totals["value"],
                                                              strict=True)
            if dates.get(int(n)) is not None]


def _draw_strip(ax: Axes, strip: Axes, client: Client, scores, instrument: str, x0: float,
                x1: float) -> None:
    from ..outcomes import get_instrument

    spec = get_instrument(instrument)
    xs = [mdates.date2num(d) for d, _, _ in scores]
    ys = [v for _, v, _ in scores]
    strip.plot(xs, ys, color=_SCORE, linewidth=1.5, marker="o", markersize=3.5, gid="score")
    if spec.caseness is not None:
        strip.axhline(spec.caseness, color=_ONSET, linestyle="--", linewidth=0.9,
                      gid="caseness")
        strip.text(0.005, spec.caseness, f"caseness {spec.caseness:g}",
                   transform=strip.get_yaxis_transform(), ha="left", va="bottom",
                   fontsize=style.MIN_FONTSIZE, color=_ONSET)

    low, high = spec.range
    strip.set_ylim(low, high)
    strip.set_xlim(x0, x1)
    strip.set_ylabel(spec.title, fontsize=style.LABEL_FONTSIZE)
    strip.tick_params(labelsize=style.MIN_FONTSIZE)
    for side in ("top", "right"):
        strip.spines[side].set_visible(False)
    strip.patch.set_alpha(0.0)
    _date_axis(strip)


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=style.LABEL_FONTSIZE)
