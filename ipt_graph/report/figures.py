"""The report's figures as deterministic, self-contained SVG text.

Each figure is drawn by :mod:`ipt_graph.plotting` on a :class:`matplotlib.figure.Figure`
(never pyplot) and saved as SVG inside an rc context that makes the output a pure function of
the record:

* ``svg.hashsalt`` is fixed, so the ids matplotlib derives from hashes are the same in every
  run; ``metadata={"Date": None, ...}`` leaves out the date and the rest of the metadata
  block (which would also put ``http://`` namespace URLs in the page);
* ``svg.fonttype = "none"``: text stays text (``<text>`` elements), so it is selectable and
  searchable in the browser and in the PDF, and the SVG is small. The viewer draws it with
  the fonts named in the SVG (DejaVu Sans first, then Noto CJK: what the figures were laid
  out with); on a machine without them a fallback font with other widths is used and labels
  may sit slightly off. Outlined glyphs (``"path"``) would look the same everywhere but
  could not be selected or searched, and would triple the size.

Text is drawn with ``text.parse_math`` off (:data:`DRAW_RC`): a label holding dollar signs is
shown as typed, never as mathematics. matplotlib's SVG writer escapes text (``<`` as
``&lt;``, ``&`` as ``&amp;``), so a label cannot become markup; :func:`svg_text` still checks
every tag it emits (no script, no event handler, no reference outside the SVG) before the
report inserts it unescaped. The ids of each SVG are prefixed with the figure's name, so
several figures in one HTML page never share an id.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..model import Client

__all__ = ["DRAW_RC", "FIGURE_SIZES", "SVG_RC", "ReportFigure", "report_figures", "svg_text"]

#: rc settings that make the SVG deterministic and keep its text as text.
SVG_RC: dict[str, Any] = {"svg.hashsalt": "ipt-graph", "svg.fonttype": "none"}
#: rc settings while the figures are drawn: text a user typed is text, never mathematics
#: (a label "$x^2$" is drawn as typed, and "$\\foo$" does not stop the report).
DRAW_RC: dict[str, Any] = {"text.parse_math": False}
#: Metadata written into the SVG: none (no date, no creator, no namespace URLs).
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

#: Figure sizes in inches for the axes-level plots: 7.1 in is the text width of an A4 page
#: with the report's margins, so they print at their drawn size.
FIGURE_SIZES: dict[str, tuple[float, float]] = {
    "outcomes": (7.1, 2.9),
    "quadrant": (7.1, 5.6),
    "metrics": (7.1, 3.6),
    "timeline": (7.1, 3.6),
}

#: Subplot margins (fractions of the figure) for each axes-level plot: room on the right for
#: the labels at the ends of lines and of bands; the quadrant keeps its key inside its axes.
_MARGINS: dict[str, dict[str, float]] = {
    "outcomes": dict(left=0.08, right=0.8, bottom=0.15, top=0.88),
    "quadrant": dict(left=0.08, right=0.97, bottom=0.1, top=0.92),
    "metrics": dict(left=0.08, right=0.8, bottom=0.12, top=0.9),
    "timeline": dict(left=0.05, right=0.97, bottom=0.1, top=0.9),
}

_TAG = re.compile(r"<[^>]*>")
_ID = re.compile(r'\bid="([^"]*)"')
_HREF = re.compile(r'\b(xlink:href|href)="#([^"]*)"')
_URL = re.compile(r"url\(#([^)]*)\)")
_FORBIDDEN_TAG = re.compile(r"^</?\s*(script|foreignobject|iframe|object|embed|image|a)\b",
                            re.IGNORECASE)
_EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_XMLNS = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')


@dataclass(frozen=True)
class ReportFigure:
    """One figure of a report: its name (``"circles"``, ``"outcomes-phq9"``…), a caption
    and the SVG text to insert in the page."""

    name: str
    title: str
    svg: str


def svg_text(figure: Figure, prefix: str) -> str:
    """The figure as inline SVG: deterministic, ids prefixed, nothing outside it referenced.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    prefix : str
        Put before every id (``"circles"`` -> ``id="circles-axes_1"``), so that several
        SVGs can share one HTML page.

    Returns
    -------
    str
        The ``<svg>`` element, without the XML declaration and DOCTYPE (an HTML page holds
        it as is) and without namespace declarations (HTML's parser supplies them).

    Raises
    ------
    ValueError
        The SVG holds a script, an event handler, an embedded image or link, or a reference
        outside itself: matplotlib never writes these, so the figure is refused rather than
        inserted.
    """
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(SVG_RC):
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]

    # ids that something points to (clip paths, markers) are unique in matplotlib's SVG;
    # the others are artists' gids, which repeat across the panels of one figure
    # ("ring:3" in every circle): a repeat gets "~2", "~3"… so every id in the page is unique.
    referenced = {m.group(2) for m in _HREF.finditer(text)} | set(_URL.findall(text))
    seen: dict[str, int] = {}

    def unique(name: str) -> str:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1 or name in referenced:
            return f"{prefix}-{name}"
        return f"{prefix}-{name}~{seen[name]}"

    def rewrite(match: re.Match[str]) -> str:
        tag = match.group(0)
        if _FORBIDDEN_TAG.match(tag) or _EVENT_ATTRIBUTE.search(tag):
            raise ValueError(f"figure {prefix}: unexpected markup in the SVG, not inserted")
        if "href=" in tag and not _HREF.search(tag):
            raise ValueError(f"figure {prefix}: a link outside the SVG, not inserted")
        if "url(" in tag.replace("url(#", ""):
            raise ValueError(f"figure {prefix}: a reference outside the SVG, not inserted")
        tag = _XMLNS.sub("", tag)
        tag = _ID.sub(lambda m: f'id="{unique(m.group(1))}"', tag)
        tag = _HREF.sub(lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', tag)
        return _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", tag)

    # Text between tags is left alone: matplotlib escaped it, and it may hold anything.
    return _TAG.sub(rewrite, text).rstrip() + "\n"


def _axes_figure(name: str) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    # No layout engine: the plots place labels for the axes' size at the time of the call.
    figure = Figure(figsize=FIGURE_SIZES[name], dpi=100)
    figure.subplots_adjust(**_MARGINS[name])
    return figure, figure.add_subplot()


def report_figures(client: Client, sessions: list[int], *, redact: bool = False,
                   timings: MutableMapping[str, float] | None = None
                   ) -> dict[str, list[ReportFigure]]:
    """Draw every figure of a client's report, grouped by the section that shows it.

    Parameters
    ----------
    client : Client
    sessions : list of int
        The sessions of the closeness circles and of the quadrant's paths
        (:func:`ipt_graph.report.content.choose_sessions`); empty for a client without
        sessions, who gets no figures.
    redact : bool
        Passed to every plot that names people (circles, quadrant, timeline); the outcome
        and measure charts name no one.
    timings : dict, optional
        Filled with the seconds each figure took (``"figure circles"``…), drawing and SVG.

    Returns
    -------
    dict
        ``{"outcomes": [...], "circles": [...], "quadrant": [...], "metrics": [...],
        "timeline": [...]}``, each a list of :class:`ReportFigure` (possibly empty).
    """
    import matplotlib

    from .. import plotting
    from ..outcomes import registry

    groups: dict[str, list[ReportFigure]] = {
        "outcomes": [], "circles": [], "quadrant": [], "metrics": [], "timeline": []}
    if not sessions:
        return groups

    def timed(group: str, name: str, title: str, draw: Callable[[], Figure]) -> None:
        start = time.perf_counter()
        with matplotlib.rc_context(DRAW_RC):
            figure = draw()
            groups[group].append(ReportFigure(name, title, svg_text(figure, name)))
        if timings is not None:
            timings[f"figure {name}"] = time.perf_counter() - start

    instruments = registry()
    recorded = list(dict.fromkeys(name for s in client.sessions for name in s.measures))
    for name in (n for n in instruments if n in recorded):  # the registry's order

        def outcome(name: str = name) -> Figure:
            figure, ax = _axes_figure("outcomes")
            plotting.plot_outcomes(client, name, ax=ax)
            return figure

        timed("outcomes", f"outcomes-{name}", f"{instruments[name].title} over the sessions",
              outcome)

    timed("circles", "circles", "Closeness circles",
          lambda: plotting.plot_circles(client, sessions=sessions, redact=redact))

    def quadrant() -> Figure:
        figure, ax = _axes_figure("quadrant")
        plotting.plot_quadrant(client, ax=ax, sessions=sessions, redact=redact)
        return figure

    timed("quadrant", "quadrant", "Support and conflict", quadrant)

    def metrics() -> Figure:
        figure, ax = _axes_figure("metrics")
        plotting.plot_metrics(client, ax=ax)
        return figure

    timed("metrics", "metrics", "Measures of the map over the sessions", metrics)

    def timeline() -> Figure:
        figure, ax = _axes_figure("timeline")
        plotting.plot_timeline(client, ax=ax, redact=redact)
        return figure

    timed("timeline", "timeline", "Life events, onset and sessions", timeline)
    return groups
