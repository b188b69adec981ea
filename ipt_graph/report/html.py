"""The HTML report: one self-contained page rendered by Jinja2 with autoescape on.

Everything a user typed (labels, notes, expectations…) reaches the page only through
Jinja2 expressions, which :func:`environment` escapes (``<`` as ``&lt;``, quotes as
``&#34;``); the only values inserted unescaped are the SVG figures, which come from
matplotlib's SVG writer (it escapes text itself) through
:func:`ipt_graph.report.figures.svg_text` (which checks every tag).

The page is self-contained: CSS inline, figures inline as SVG, no JavaScript, no fonts, images
or anything else fetched, and a Content-Security-Policy that forbids loading anything
(:data:`CONTENT_SECURITY_POLICY`). The print stylesheet lays it out on A4 with page breaks
between sections; the PDF (:mod:`ipt_graph.report.pdf`) is this same HTML.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

import jinja2

if TYPE_CHECKING:
    from ..model import Client
    from .content import ReportContent

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SECTIONS",
    "environment",
    "render",
    "render_content",
    "render_html",
    "render_index",
]

#: Nothing may be loaded: no scripts, fonts, images, frames or connections. Inline styles
#: are allowed because matplotlib's SVG styles every element with a ``style`` attribute.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
                           "script-src 'none'; base-uri 'none'; form-action 'none'")

#: The sections of a report, in reading order: (id, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("client", "Client"),
    ("safety", "Safety"),
    ("outcomes", "Symptom course and outcomes"),
    ("circles", "Closeness circles"),
    ("change", "Change on the map"),
    ("quadrant", "Support and conflict"),
    ("trajectories", "Measures over the sessions"),
    ("timeline", "Life events"),
    ("inventory", "Inventory sheet"),
)


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja2 environment of the reports: package templates, autoescape on.

    ``autoescape=True`` escapes every expression, whatever the template's name, so text a
    user typed can never become markup. Undefined names raise instead of printing nothing.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ipt_graph.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _page(template: str, **context: Any) -> str:
    # environment is looked up at call time: a test swaps the factory to prove that the
    # escaping comes from autoescape.
    template_ = environment().get_template(template)
    return template_.render(csp=CONTENT_SECURITY_POLICY, **context)


def render_html(client: Client, sessions: Sequence[int] | None = None, *,
                redact: bool = False, generated_at: dt.datetime | None = None,
                timings: MutableMapping[str, float] | None = None) -> str:
    """The HTML report of one client, as text.

    Parameters
    ----------
    client : Client
    sessions : sequence of int, optional
        The sessions whose closeness circles are drawn and compared; by default the
        baseline (the end of the initial phase, :func:`ipt_graph.change.baseline_session`)
        and the latest session.
    redact : bool
        Name people by id and role (``"p1 (partner)"``) in the text and the figures, and
        leave out every free-text field.
    generated_at : datetime, optional
        The generation time in the footer (UTC); now by default. With it fixed, rendering
        the same record twice gives byte-identical HTML.
    timings : dict, optional
        Filled with the seconds each stage took: ``"content"``, ``"figure <name>"`` for each
        figure, ``"rendering"``.

    Returns
    -------
    str
        A complete HTML document.

    Raises
    ------
    NotFoundError
        A chosen session is not in the record.
    """
    return render(client, sessions, redact=redact, generated_at=generated_at,
                  timings=timings)[0]


def render(client: Client, sessions: Sequence[int] | None = None, *, redact: bool = False,
           generated_at: dt.datetime | None = None,
           timings: MutableMapping[str, float] | None = None) -> tuple[str, ReportContent]:
    """:func:`render_html`, also returning the :class:`~.content.ReportContent` it laid out
    (the index page of several reports reads its facts from there)."""
    from .content import report_content
    from .figures import report_figures

    start = time.perf_counter()
    content = report_content(client, sessions, redact=redact, generated_at=generated_at)
    if timings is not None:
        timings["content"] = time.perf_counter() - start
    figures = report_figures(client, content.sessions, redact=redact, timings=timings)
    start = time.perf_counter()
    text = render_content(content, figures)
    if timings is not None:
        timings["rendering"] = time.perf_counter() - start
    return text, content


def render_content(content: ReportContent, figures: dict[str, list[Any]]) -> str:
    """Lay out prepared content and figures with the report template."""
    headings = dict(SECTIONS)
    return _page("report.html.j2", c=content, figures=figures, sections=SECTIONS,
                 headings=headings)


def render_index(rows: list[dict[str, Any]], *, generated_at: str, version: str,
                 redact: bool) -> str:
    """The index page of several reports: one row per client, linking to each report.

    Parameters
    ----------
    rows : list of dict
        Each with ``client_id``, ``links`` (a list of ``(format, file name)``),
        ``sessions``, ``phq9`` (start → end and category, or "–") and ``item9`` (the
        flagged sessions, or a sentence).
    generated_at, version : str
        For the footer.
    redact : bool
        Whether the reports are redacted (said in the page).
    """
    return _page("index.html.j2", rows=rows, generated_at=generated_at, version=version,
                 redact=redact)
