"""The PDF report: the HTML report laid out on A4 pages by WeasyPrint.

The PDF is the very HTML of :func:`ipt_graph.report.html.render_html`, so it has the same
sections by construction; page size, margins, page breaks and the repeated table headers
come from the print stylesheet (``@page`` and ``@media print``). Text stays text (it can be
selected and searched), and long text wraps and continues on the next page instead of being
clipped (``overflow-wrap: anywhere``; tables and person entries may break across pages).

WeasyPrint is an optional dependency (the ``report`` extra; it needs the system's Pango). It is
imported only when a PDF is asked for. Nothing is fetched while rendering: the page has no
external references, and the URL fetcher refuses every URL anyway.
"""

from __future__ import annotations

from typing import Any

from ..errors import IptGraphError

__all__ = ["ReportDependencyError", "html_to_pdf"]


class ReportDependencyError(IptGraphError, ImportError):
    """A PDF was asked for but WeasyPrint (or the Pango library it needs) is missing."""


def _refusing_fetcher(weasyprint: Any, attempts: list[str]) -> Any:
    """A WeasyPrint URL fetcher that refuses every URL, noting each one in ``attempts``."""

    def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
        attempts.append(url)
        raise ValueError("ipt_graph reports load nothing from outside the page")

    base = getattr(weasyprint.urls, "URLFetcher", None)
    if base is None:  # WeasyPrint before 66 takes a plain function
        return refuse

    class RefuseEveryURL(base):
        def fetch(self, url: str, headers: Any = None) -> Any:
            return refuse(url)

    return RefuseEveryURL(allowed_protocols=())


def _weasyprint():
    try:
        import weasyprint
    except ImportError as error:
        raise ReportDependencyError(
            "PDF reports need WeasyPrint: pip install 'ipt_graph[report]' (and the system's "
            "Pango library: apt-get install libpango-1.0-0 libpangoft2-1.0-0); HTML reports "
            f"work without it ({error})") from None
    except OSError as error:  # the Python package is there but Pango is not
        raise ReportDependencyError(
            "PDF reports need the Pango library that WeasyPrint uses (apt-get install "
            f"libpango-1.0-0 libpangoft2-1.0-0): {error}") from None
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    """Lay out a report's HTML on A4 pages and return the PDF.

    Parameters
    ----------
    html : str
        A complete report page from :func:`ipt_graph.report.html.render_html`.

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    ReportDependencyError
        WeasyPrint or Pango is not installed.
    """
    return _render(html, [])


def _render(html: str, attempts: list[str]) -> bytes:
    """:func:`html_to_pdf`, noting in ``attempts`` every URL WeasyPrint tried to load."""
    weasyprint = _weasyprint()
    fetcher = _refusing_fetcher(weasyprint, attempts)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf()


def _weasyprint_available() -> bool:
    """Whether PDF reports can be made here (WeasyPrint and Pango importable)."""
    try:
        _weasyprint()
    except ReportDependencyError:
        return False
    return True
