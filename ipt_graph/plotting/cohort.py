"""Figures of a cohort: outcomes client by client, and measures over the sessions.

* :func:`plot_jacobson` - Jacobson & Truax's scatter: each client's start score against their
  end score, the line of no change, the band of no reliable change around it, the caseness
  cut-off on both axes (and the clinically significant cut-off c given norms), each client
  coloured and shaped by outcome category (DOMAIN.md §6);
* :func:`plot_cohort_trajectories` - the mean of chosen measures of
  :data:`ipt_graph.METRICS` per session over the clients, with a confidence band, for the
  whole cohort or one line per primary problem area.

Both are axes-level: they draw on ``ax`` (pyplot's current axes when None) and return it.
Colours come from the one palette (:mod:`ipt_graph.plotting.style`, Okabe & Ito) and each
outcome category also has its own marker shape, so the figure survives greyscale printing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import NotFoundError
from . import style
from ._common import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..cohort import Cohort
    from ..outcomes import Instrument

__all__ = [
    "DEFAULT_TRAJECTORY_METRICS",
    "OUTCOME_STYLES",
    "PROBLEM_AREA_COLOURS",
    "plot_cohort_trajectories",
    "plot_jacobson",
]

#: Colour, marker and legend name of each outcome category, in legend order.
OUTCOME_STYLES: dict[str, style.TypeStyle] = {
    "recovered": style.TypeStyle("recovered", style.OKABE_ITO["bluish_green"], "o",
                                 "recovered"),
    "improved": style.TypeStyle("improved", style.OKABE_ITO["blue"], "D", "improved"),
    "unchanged": style.TypeStyle("unchanged", style.GREY, "s", "unchanged"),
    "deteriorated": style.TypeStyle("deteriorated", style.OKABE_ITO["vermillion"], "X",
                                    "deteriorated"),
    "not_at_caseness": style.TypeStyle("not_at_caseness", style.OKABE_ITO["reddish_purple"],
                                       "^", "not at caseness\nat the start"),
}
#: One colour per problem area (and one for clients without one), the same in every figure.
PROBLEM_AREA_COLOURS: dict[str, str] = {
    "grief": style.OKABE_ITO["blue"],
    "role_dispute": style.OKABE_ITO["vermillion"],
    "role_transition": style.OKABE_ITO["bluish_green"],
    "interpersonal_deficits": style.OKABE_ITO["orange"],
    "none": style.GREY,
}
#: The measures :func:`plot_cohort_trajectories` draws when none are named.
DEFAULT_TRAJECTORY_METRICS: tuple[str, ...] = ("n_people", "n_ring_1", "support_mean",
                                               "conflict_mean")
_BAND = style.OKABE_ITO["sky_blue"]
_CUT = style.INK


# --- Jacobson & Truax ------------------------------------------------------------------------


def plot_jacobson(
    data: Cohort | pd.DataFrame,
    instrument: str | Instrument = "phq9",
    *,
    ax: Axes | None = None,
    norms: tuple[float, float] | None = None,
    clinical: tuple[float, float] | None = None,
    functional: tuple[float, float] | None = None,
    instruments: Mapping[str, Instrument] | None = None,
    jitter: float = 0.0,
    seed: int = 0,
    title: str | bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw every client's start score against their end score, by outcome category.

    Parameters
    ----------
    data : Cohort or DataFrame
        A :class:`ipt_graph.Cohort`, or a frame of :meth:`ipt_graph.Cohort.change` (or
        :meth:`~ipt_graph.Cohort.outcomes`) holding ``<instrument>_first_score`` and
        ``_last_score`` (and ``_n_sessions`` or ``_first_session``/``_last_session``).
    instrument : str or Instrument
        ``"phq9"`` by default.
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None.
    norms : (sd, reliability), optional
        Judge reliable change with Jacobson & Truax's index: the band is then
        ``|end - start| <= 1.96 * sqrt(2) * sd * sqrt(1 - reliability)``. By default the
        instrument's published threshold (PHQ-9 6 points, GAD-7 4: NHS Talking Therapies);
        needed for instruments without one.
    clinical, functional : (mean, sd), optional
        Norms of a clinical and a functional population: with both, the clinically
        significant cut-off ``c`` (:func:`ipt_graph.outcomes.clinical_cutoffs`) is drawn on
        both axes.
    instruments : mapping, optional
        Where to look ``instrument`` up (default: the built-ins).
    jitter : float
        Move each point by up to this many points at random (seeded by ``seed``) so that
        clients with the same scores do not hide each other; categories and counts always
        come from the true scores. 0 (the default) draws the true positions.
    seed : int
        Seed of the jitter.
    title : str or bool
    **kwargs
        Passed to every ``Axes.scatter`` (``s``, ``alpha``...).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        The instrument has no published reliable-change threshold and no ``norms`` were
        given; only one of ``clinical`` and ``functional`` was given.

    Notes
    -----
    Each point is a client with at least two scores: the first and the last session at which
    the instrument was recorded (DOMAIN.md §6). Categories are those of
    :func:`ipt_graph.outcomes.outcome_category`, recomputed from the scores with ``norms``, so
    the band and the colours always agree. On a lower-is-better scale points below the
    diagonal improved; the band holds the changes that are not reliable. Artists carry gids
    ``jacobson:<category>``, ``identity``, ``reliable_change``, ``caseness:start``,
    ``caseness:end``, ``cutoff_c:start`` and ``cutoff_c:end``.

    References
    ----------
    Jacobson, N. S. & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *Journal of Consulting and Clinical
    Psychology* 59(1), 12-19.
    """
    from ..cohort import Cohort, _outcome_categories
    from ..outcomes import JT_CRITICAL, _s_diff, clinical_cutoffs, get_instrument

    spec = get_instrument(instrument, instruments)
    if (clinical is None) != (functional is None):
        raise ValueError("give both clinical=(mean, sd) and functional=(mean, sd) for the "
                         f"cut-off c, or neither; got clinical={clinical!r}, "
                         f"functional={functional!r}")
    if norms is not None:
        threshold = JT_CRITICAL * _s_diff(*norms)
        source = "Jacobson & Truax"
    elif spec.reliable_change is not None:
        threshold = float(spec.reliable_change)
        source = "published"
    else:
        raise ValueError(f"{spec.title} has no published reliable-change threshold: give "
                         "norms=(sd, reliability) for the Jacobson-Truax index")
    frame = data.outcomes((spec,), instruments=instruments) if isinstance(data, Cohort) \
        else data
    start, end = _scores(frame, spec.name)
    categories = _outcome_categories(spec, start, end, norms)
    ax = get_ax(ax)
    low, high = spec.range
    pad = 0.04 * (high - low)
    lo, hi = low - pad, high + pad
    with style.rc():
        handles: list[tuple[Any, str]] = []
        line = np.array([lo, hi])
        ax.fill_between(line, line - threshold, line + threshold, facecolor=_BAND,
                        alpha=0.25, edgecolor="none", zorder=1, gid="reliable_change")
        ax.plot(line, line, color=style.INK, linewidth=0.9, linestyle="-", zorder=2,
                gid="identity")
        handles.append((Patch(facecolor=_BAND, alpha=0.35, edgecolor="none"),
                        f"no reliable change\n(\u00b1{threshold:.3g} points, {source})"))
        handles.append((Line2D([], [], color=style.INK, linewidth=0.9), "no change"))
        if spec.caseness is not None:
            options = dict(color=_CUT, linestyle="--", linewidth=0.9, zorder=2)
            ax.axvline(spec.caseness, gid="caseness:start", **options)
            ax.axhline(spec.caseness, gid="caseness:end", **options)
            sign = "\u2264" if spec.higher_is_better else "\u2265"
            handles.append((Line2D([], [], **options), f"caseness ({sign} {spec.caseness:g})"))
        if clinical is not None and functional is not None:
            cut = clinical_cutoffs(clinical[0], clinical[1], functional[0], functional[1],
                                   spec.higher_is_better)["c"]
            options = dict(color=_CUT, linestyle=":", linewidth=1.1, zorder=2)
            ax.axvline(cut, gid="cutoff_c:start", **options)
            ax.axhline(cut, gid="cutoff_c:end", **options)
            handles.append((Line2D([], [], **options), f"cut-off c = {cut:.3g}"))
        shown = np.array([c is not None for c in categories], dtype=bool)
        rng = np.random.default_rng(seed)
        x, y = start.copy(), end.copy()
        if jitter:
            x += rng.uniform(-jitter, jitter, len(x))
            y += rng.uniform(-jitter, jitter, len(y))
        possible = [name for name in OUTCOME_STYLES if spec.caseness is not None
                    or name not in ("recovered", "not_at_caseness")]
        for name in possible:
            entry = OUTCOME_STYLES[name]
            mask = shown & (categories == name)
            # the thin X reads smaller than the solid shapes at the same area
            options = dict(s=48 if entry.marker == "X" else 30, c=entry.colour,
                           marker=entry.marker, edgecolors="white", linewidths=0.5, alpha=0.9,
                           zorder=4, gid=f"jacobson:{name}")
            ax.scatter(x[mask], y[mask], **(options | kwargs))
            handles.append((Line2D([], [], linestyle="none", marker=entry.marker,
                                   markersize=6.5, markerfacecolor=entry.colour,
                                   markeredgecolor="white", markeredgewidth=0.5),
                            f"{entry.title} (n = {int(mask.sum())})"))
        _region_words(ax, spec.higher_is_better, lo, hi)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal", adjustable="box")
        ax.set_anchor("W")  # spare width goes to the legend's side, not the label's
        ax.set_xlabel(f"{spec.title} at the first session with a score (start)",
                      fontsize=style.LABEL_FONTSIZE)
        ax.set_ylabel(f"{spec.title} at the last session with a score (end)",
                      fontsize=style.LABEL_FONTSIZE)
        ax.tick_params(labelsize=style.LABEL_FONTSIZE)
        from .circle import draw_legend

        draw_legend(ax, handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                    borderaxespad=0.0, title=f"{int(shown.sum())} clients (\u2265 2 scores)")
        if title:
            ax.set_title(title if isinstance(title, str) else
                         f"{spec.title}: start against end", fontsize=10, loc="left",
                         parse_math=False)
    return ax


def _scores(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end scores of the clients with two or more scores (NaN elsewhere)."""
    columns = [f"{name}_first_score", f"{name}_last_score"]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise NotFoundError(f"the frame has no {', '.join(missing)} column: pass a Cohort or "
                            f"the frame of Cohort.change(outcomes=[{name!r}])")
    start = frame[columns[0]].to_numpy(dtype=float, na_value=np.nan)
    end = frame[columns[1]].to_numpy(dtype=float, na_value=np.nan)
    if f"{name}_n_sessions" in frame.columns:
        two = frame[f"{name}_n_sessions"].to_numpy(dtype=float, na_value=np.nan) >= 2
    elif {f"{name}_first_session", f"{name}_last_session"} <= set(frame.columns):
        two = (frame[f"{name}_first_session"].to_numpy(dtype=float, na_value=np.nan)
               < frame[f"{name}_last_session"].to_numpy(dtype=float, na_value=np.nan))
    else:
        two = np.ones(len(frame), dtype=bool)
    return np.where(two, start, np.nan), np.where(two, end, np.nan)


def _region_words(ax: Axes, higher_is_better: bool, lo: float, hi: float) -> None:
    """Say in two corners which side of the diagonal is better."""
    span = hi - lo
    better, worse = ("improvement", "deterioration")
    below, above = (worse, better) if higher_is_better else (better, worse)
    options = dict(fontsize=style.MIN_FONTSIZE, color="#555555", zorder=3)
    ax.text(hi - 0.02 * span, lo + 0.02 * span, f"{below} \u2198", ha="right", va="bottom",
            gid="region:below", **options)
    ax.text(lo + 0.02 * span, hi - 0.02 * span, f"\u2196 {above}", ha="left", va="top",
            gid="region:above", **options)


# --- Trajectories ----------------------------------------------------------------------------


def plot_cohort_trajectories(
    data: Cohort | pd.DataFrame,
    names: Sequence[str] | None = None,
    *,
    by: str | None = None,
    ci: float | None = 0.95,
    method: str = "t",
    n_boot: int = 1000,
    seed: int = 0,
    threshold: float | None = None,
    ax: Axes | None = None,
    title: str | bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw the mean of chosen measures per session over the clients, with a confidence band.

    Parameters
    ----------
    data : Cohort or DataFrame
        A :class:`ipt_graph.Cohort`, or its :meth:`~ipt_graph.Cohort.metrics` frame
        (``client_id, session`` and the measures; with ``by="problem_area"`` also a
        ``primary_problem_area`` column).
    names : sequence of str, optional
        Measures of :data:`ipt_graph.METRICS`; :data:`DEFAULT_TRAJECTORY_METRICS` by default.
    by : {None, "problem_area"}
        ``"problem_area"`` draws one line per primary problem area (colour) and measure
        (line style); clients without one form the group ``none``.
    ci : float or None
        Confidence level of the band (0.95); None for no band.
    method : {"t", "bootstrap"}
        ``"t"``: mean ± t quantile x SD / sqrt(n) (Student's t with n - 1 degrees of
        freedom). ``"bootstrap"``: the percentile interval of ``n_boot`` resampled means,
        seeded by ``seed``, so the figure is the same every time.
    threshold : float, optional
        The typing threshold for the type counts (DOMAIN.md §4), when ``data`` is a Cohort.
    ax : matplotlib Axes, optional
        Where to draw; pyplot's current axes when None.
    title : str or bool
    **kwargs
        Passed to every mean line (``Axes.plot``).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    NotFoundError
        A name is not a measure of METRICS.
    ValueError
        ``by``, ``ci`` or ``method`` is not one of the allowed values.

    Notes
    -----
    At each session the mean is over the clients who have that session (every session has
    an inventory, missed ones included: DESIGN.md §3) and a value there (density is NaN with
    fewer than two living people). A session with fewer than two such clients shows its mean
    without a band. Clients drop out over the course, so later sessions rest on fewer
    clients: the legend gives the number of clients per line, and the x-axis labels the
    number at each session. Lines carry gids ``mean:<name>`` (``mean:<name>:<area>`` with
    ``by``) and bands ``ci:<name>`` (``ci:<name>:<area>``).
    """
    from ..cohort import Cohort
    from ..metrics import METRICS

    chosen = list(DEFAULT_TRAJECTORY_METRICS if names is None else names)
    unknown = [name for name in chosen if name not in METRICS]
    if unknown or not chosen:
        raise NotFoundError(f"names must be measures of METRICS ({', '.join(METRICS)}), got "
                            f"{', '.join(repr(n) for n in unknown) or 'none'}")
    if by not in (None, "problem_area"):
        raise ValueError(f"by must be None or 'problem_area', got {by!r}")
    if ci is not None and not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (0.95 for 95 %) or None, got {ci!r}")
    if method not in ("t", "bootstrap"):
        raise ValueError(f"method must be 't' or 'bootstrap', got {method!r}")
    if isinstance(data, Cohort):
        frame = data.metrics() if threshold is None else data.metrics(threshold)
        if by is not None:
            clients = data.tables["clients"][["client_id", "primary_problem_area"]]
            frame = frame.merge(clients, on="client_id", how="left")
    else:
        frame = data
        if by is not None and "primary_problem_area" not in frame.columns:
            raise NotFoundError("by='problem_area' needs a primary_problem_area column (pass "
                                "the Cohort itself)")
    groups = (frame["primary_problem_area"].astype("string").fillna("none")
              if by is not None else pd.Series("all", index=frame.index, dtype="string"))
    ax = get_ax(ax)
    rng = np.random.default_rng(seed)
    with style.rc():
        handles: list[tuple[Any, str]] = []
        group_names = [g for g in PROBLEM_AREA_COLOURS if g in set(groups)] if by else ["all"]
        for i, name in enumerate(chosen):
            for group in group_names:
                rows = frame[(groups == group).to_numpy(bool)]
                stats = _session_stats(rows, name, ci, method, n_boot, rng)
                if by is None:
                    colour = style.LINE_COLOURS[i % len(style.LINE_COLOURS)]
                    linestyle = "-"
                    gid, label = name, name
                else:
                    colour = PROBLEM_AREA_COLOURS[group]
                    linestyle = style.LINE_STYLES[i % len(style.LINE_STYLES)]
                    gid = f"{name}:{group}"
                    label = f"{name}, {group.replace('_', ' ')}"
                n_clients = rows.loc[rows[name].notna(), "client_id"].nunique()
                options = dict(color=colour, linestyle=linestyle, linewidth=1.6, marker="o",
                               markersize=3, zorder=3, gid=f"mean:{gid}")
                ax.plot(stats["session"], stats["mean"], **(options | kwargs))
                if ci is not None:
                    ax.fill_between(stats["session"], stats["low"], stats["high"],
                                    facecolor=colour, alpha=0.18 if by is None else 0.1,
                                    edgecolor="none", zorder=2,
                                    gid=f"ci:{gid}")
                handles.append((Line2D([], [], color=colour, linestyle=linestyle,
                                       linewidth=1.6), f"{label} ({n_clients} clients)"))
        _session_ticks(ax, frame)
        ax.set_xlabel("session (clients with the session below)", fontsize=style.LABEL_FONTSIZE)
        ax.set_ylabel("mean over clients", fontsize=style.LABEL_FONTSIZE)
        ax.tick_params(labelsize=style.LABEL_FONTSIZE)
        from .circle import draw_legend

        band = (f"{ci:.0%} CI, " + ("t" if method == "t" else f"bootstrap, {n_boot} draws")
                if ci is not None else "no band")
        if ci is not None:
            handles.append((Patch(facecolor=style.GREY, alpha=0.3, edgecolor="none"),
                            f"{ci:.0%} confidence band"))
        draw_legend(ax, handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                    borderaxespad=0.0)
        if title:
            what = "by primary problem area" if by else "all clients"
            ax.set_title(title if isinstance(title, str) else
                         f"Mean per session, {what} ({band})", fontsize=10, loc="left",
                         parse_math=False)
    return ax


def _session_stats(rows: pd.DataFrame, name: str, ci: float | None, method: str,
                   n_boot: int, rng: np.random.Generator) -> pd.DataFrame:
    """Per session: ``n``, ``mean`` and the band ``low``/``high`` (NaN where n < 2)."""
    from scipy import stats as scipy_stats

    values = rows[["session", name]].dropna()
    grouped = values.groupby("session")[name]
    out = grouped.agg(["count", "mean", "std"]).reset_index()
    out["session"] = out["session"].astype(float)
    n = out["count"].to_numpy(dtype=float)
    low = np.full(len(out), np.nan)
    high = np.full(len(out), np.nan)
    enough = n >= 2
    if ci is not None and method == "t":
        with np.errstate(invalid="ignore", divide="ignore"):
            quantile = scipy_stats.t.ppf((1 + ci) / 2, np.where(enough, n - 1, np.nan))
            half = quantile * out["std"].to_numpy(dtype=float) / np.sqrt(n)
        low = np.where(enough, out["mean"] - half, np.nan)
        high = np.where(enough, out["mean"] + half, np.nan)
    elif ci is not None:
        tail = 100 * (1 - ci) / 2
        for k, (_, sample) in enumerate(grouped):
            data = sample.to_numpy(dtype=float)
            if len(data) < 2:
                continue
            means = data[rng.integers(0, len(data), (n_boot, len(data)))].mean(axis=1)
            low[k], high[k] = np.percentile(means, [tail, 100 - tail])
    out["low"], out["high"] = low, high
    return out


def _session_ticks(ax: Axes, frame: pd.DataFrame) -> None:
    """Session numbers on the x-axis with the number of clients at each below."""
    counts = frame.groupby("session")["client_id"].nunique()
    sessions = [int(s) for s in counts.index]
    if not sessions:
        return
    step = max(1, math.ceil(len(sessions) / 20))
    shown = sessions[::step]
    ax.set_xticks(shown, labels=[f"{s}\n{int(counts.loc[s])}" for s in shown])
    ax.set_xlim(sessions[0] - 0.5, sessions[-1] + 0.5)
