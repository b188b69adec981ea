"""Reports for the chart: one client's inventory, symptoms and change on a few pages.

:func:`write_report` writes one client's report as HTML or PDF (by the file's suffix);
:func:`write_reports` writes one report per client and an ``index.html`` linking them;
:func:`report_files` is what ``ipt-graph report CASE… -o OUT`` does.

A report reads in the order a clinician reads: who the client is (code, dates, sessions
attended and missed, phases, problem areas and focus people); safety (any PHQ-9 item-9 flag,
first and prominently); the symptom course and outcome category per instrument; the closeness
circles at the baseline (the end of the initial phase, when the inventory is complete) and the
latest session, or the chosen sessions, with moves marked; the change in sentences and per
person; the support x conflict quadrant; the measures of the map over the sessions; the life
events; the inventory sheet of each person's latest qualitative entries; a footer with the
generation time, the library version and a hash of the case file.

The HTML is one self-contained file (figures inline as SVG, CSS inline, no JavaScript, a
Content-Security-Policy that forbids loading anything), rendered by Jinja2 with autoescape on.
The PDF is the same HTML laid out on A4 by WeasyPrint (the ``report`` extra).
``redact=True`` names people by code and role and leaves out every free-text field.

>>> import ipt_graph as ig
>>> from ipt_graph.report import write_report
>>> write_report(ig.load("data/examples/grief.json"), "grief.html")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from ..io.casefile import atomic_write, load
from ..model import Client
from .content import ReportContent, report_content
from .html import environment, render, render_html, render_index
from .pdf import ReportDependencyError, html_to_pdf

__all__ = [
    "FORMATS",
    "PROGRESS_FROM",
    "ReportContent",
    "ReportDependencyError",
    "environment",
    "html_to_pdf",
    "render_examples",
    "render_html",
    "report_content",
    "report_files",
    "write_report",
    "write_reports",
]

#: File suffixes and the format each one means.
FORMATS: dict[str, str] = {".html": "html", ".htm": "html", ".pdf": "pdf"}
#: :func:`write_reports` shows a progress bar (where someone is watching) from this many
#: clients on.
PROGRESS_FROM = 3

ClientLike = Client | str | os.PathLike


def _format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"a report file must end in .html or .pdf, got "
                         f"{path.suffix or 'no suffix'!r} ({path.name})")
    return fmt


def _formats(fmt: str | Sequence[str]) -> tuple[str, ...]:
    names = (fmt,) if isinstance(fmt, str) else tuple(fmt)
    bad = [name for name in names if name not in ("html", "pdf")]
    if bad or not names:
        raise ValueError(f"fmt must be 'html', 'pdf' or both, got {fmt!r}")
    return tuple(dict.fromkeys(names))


def _as_client(client: ClientLike) -> Client:
    return client if isinstance(client, Client) else load(client)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def write_report(client: ClientLike, path: str | os.PathLike, sessions: Sequence[int] | None = None,
                 redact: bool = False, *, generated_at: dt.datetime | None = None,
                 timings: MutableMapping[str, float] | None = None) -> Path:
    """Write one client's report as HTML or PDF, chosen by the suffix of ``path``.

    Parameters
    ----------
    client : Client or path
        The client, or the path of its case file.
    path : path
        Ends in ``.html`` (or ``.htm``) for a self-contained web page, ``.pdf`` for A4 pages.
        Written atomically: a reader never sees half a report.
    sessions : sequence of int, optional
        The sessions whose closeness circles are drawn side by side and compared; by
        default the baseline (the end of the initial phase,
        :func:`ipt_graph.change.baseline_session`) and the latest session.
    redact : bool
        Name people by code and role (``"p1 (partner)"``) in the text and the figures and
        leave out every free-text field (labels, notes, expectations…). This is not
        de-identification: the client code and the dates stay (see
        :mod:`ipt_graph.privacy` for exports under HIPAA Safe Harbor).
    generated_at : datetime, optional
        The generation time printed in the footer; now by default. Fixed, it makes the
        output of one record byte-identical from run to run (HTML).
    timings : dict, optional
        Filled with the seconds each stage took (content, each figure, rendering, pdf,
        writing), for benchmarks.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        ``path`` does not end in .html or .pdf.
    NotFoundError
        A chosen session is not in the record.
    ReportDependencyError
        A PDF was asked for and WeasyPrint is not installed.
    SaveError
        The file could not be written.

    Examples
    --------
    >>> import ipt_graph as ig
    >>> client = ig.load("data/examples/role_dispute.json")             # doctest: +SKIP
    >>> ig.write_report(client, "EX-DISPUTE.pdf", sessions=[1, 8, 16])  # doctest: +SKIP
    PosixPath('EX-DISPUTE.pdf')
    """
    path = Path(path)
    fmt = _format_of(path)
    client = _as_client(client)
    html = render_html(client, sessions, redact=redact, generated_at=generated_at,
                       timings=timings)
    data = _encode(html, fmt, timings)
    start = time.perf_counter()
    atomic_write(path, data)
    if timings is not None:
        timings["writing"] = time.perf_counter() - start
    return path


def _encode(html: str, fmt: str, timings: MutableMapping[str, float] | None = None) -> bytes:
    if fmt == "html":
        return html.encode("utf-8")
    start = time.perf_counter()
    data = html_to_pdf(html)
    if timings is not None:
        timings["pdf"] = time.perf_counter() - start
    return data


def _file_stem(client_id: str, taken: set[str]) -> str:
    """A file name for the client's report: its code (``:`` is not allowed everywhere)."""
    stem = client_id.replace(":", "_")
    candidate, n = stem, 1
    while candidate.lower() in taken:  # the same code twice, or differing only in case
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate.lower())
    return candidate


def _expand(items: Iterable[ClientLike]) -> list[ClientLike]:
    """Clients as given; a folder stands for the ``*.json`` case files in it, sorted."""
    expanded: list[ClientLike] = []
    for item in items:
        if not isinstance(item, Client) and Path(item).is_dir():
            expanded.extend(sorted(Path(item).glob("*.json")))
        else:
            expanded.append(item)
    return expanded


def _index_row(content: ReportContent, links: list[tuple[str, str]]) -> dict[str, Any]:
    sessions = next((value for term, value in content.header if term == "Sessions"), "–")
    phq9 = next((row for row in content.outcomes if row["instrument"] == "phq9"), None)
    safety = content.safety
    if safety["status"] == "flagged":
        word = "session" if len(safety["sessions"]) == 1 else "sessions"
        item9 = f"⚠ above 0 at {word} " + ", ".join(str(n) for n in safety["sessions"])
    elif safety["status"] == "clear":
        item9 = "0 at every session recorded"
    else:
        item9 = "not available"
    return {
        "client_id": content.client_id,
        "links": links,
        "sessions": sessions,
        "phq9": (f"{phq9['start']} → {phq9['end']}" if phq9 else "not recorded"),
        "phq9_category": phq9["category"] if phq9 else "–",
        "item9": item9,
        "flagged": safety["status"] == "flagged",
    }


def write_reports(clients: Iterable[ClientLike], out_dir: str | os.PathLike, *,
                  fmt: str | Sequence[str] = "html", redact: bool = False,
                  sessions: Sequence[int] | None = None,
                  generated_at: dt.datetime | None = None,
                  progress: bool | None = None) -> list[Path]:
    """Write one report per client into a folder, and an ``index.html`` linking them.

    Parameters
    ----------
    clients : iterable of Client or path
        Clients, case files, or folders of case files (their ``*.json``, sorted).
    out_dir : path
        The folder to write into (created when missing). Each report is named after the
        client's code (``EX-GRIEF.html``); a code that repeats gets ``-2``, ``-3``…
    fmt : {"html", "pdf"} or a sequence of both
        The format(s) of each report. With both, the PDF is laid out from the same HTML and
        the index links both.
    redact, sessions
        As in :func:`write_report`, for every client.
    generated_at : datetime, optional
        One generation time for every report and the index; now by default.
    progress : bool, optional
        Show a progress bar (:func:`ipt_graph.progress.progress`); by default one shows
        from :data:`PROGRESS_FROM` clients on, where someone is watching. The bar counts
        reports and never shows a client code.

    Returns
    -------
    list of pathlib.Path
        Every report written, in the order of ``clients`` (HTML before PDF), then the index.

    Raises
    ------
    ValueError
        ``fmt`` is not html, pdf or both.
    NotFoundError
        A chosen session is not in some client's record (reports written before it stay).
    """
    from ..progress import progress as progress_bar

    formats = _formats(fmt)
    items = _expand(clients)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    moment = generated_at or _now()
    enabled = progress if progress is not None else (None if len(items) >= PROGRESS_FROM
                                                     else False)
    written: list[Path] = []
    rows: list[dict[str, Any]] = []
    taken: set[str] = {"index"}
    for item in progress_bar(items, total=len(items), desc="reports", unit="report",
                             enabled=enabled):
        client = _as_client(item)
        html, content = render(client, sessions, redact=redact, generated_at=moment)
        stem = _file_stem(client.client_id, taken)
        links = []
        for name in formats:
            path = folder / f"{stem}.{name}"
            atomic_write(path, _encode(html, name))
            written.append(path)
            links.append((name.upper(), path.name))
        rows.append(_index_row(content, links))
    from .. import __version__

    index = folder / "index.html"
    stamp = moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    atomic_write(index, render_index(rows, generated_at=stamp, version=__version__,
                                     redact=redact).encode("utf-8"))
    written.append(index)
    return written


def report_files(clients: Sequence[ClientLike], output: str | os.PathLike, *,
                 formats: Sequence[str] | None = None, redact: bool = False,
                 sessions: Sequence[int] | None = None,
                 generated_at: dt.datetime | None = None) -> list[Path]:
    """What ``ipt-graph report CASE… -o OUT`` writes.

    Parameters
    ----------
    clients : sequence of Client or path
        The cases (clients, case files or folders of them).
    output : path
        A file ending in ``.html`` or ``.pdf``: that one report (one case only; its folder
        is created when missing). Anything else is a folder: one report per case plus
        ``index.html`` (:func:`write_reports`).
    formats : sequence of {"html", "pdf"}, optional
        For a folder, the format(s) of the reports (HTML by default); for a file, if given,
        it must agree with the suffix.
    redact, sessions, generated_at
        As in :func:`write_report`.

    Returns
    -------
    list of pathlib.Path
        The files written (for a folder, the index last).

    Raises
    ------
    ValueError
        A file was named for several cases, or the suffix and ``formats`` disagree: a
        usage error (the command line exits with status 2).
    """
    output = Path(output)
    items = _expand(clients)
    if output.suffix.lower() in FORMATS:
        fmt = FORMATS[output.suffix.lower()]
        if formats and set(formats) != {fmt}:
            kind = "an HTML" if fmt == "html" else "a PDF"
            raise ValueError(f"-o {output.name} is {kind} file but --format "
                             f"{', '.join(formats)} was asked for")
        if len(items) != 1:
            raise ValueError(f"-o {output.name} names one report file but {len(items)} cases "
                             "were given: name a folder to write one report per case")
        output.parent.mkdir(parents=True, exist_ok=True)
        return [write_report(items[0], output, sessions, redact, generated_at=generated_at)]
    if output.exists() and not output.is_dir():
        raise ValueError(f"-o {output}: not a folder, and not a file ending in .html or .pdf")
    return write_reports(items, output, fmt=tuple(formats or ("html",)), redact=redact,
                         sessions=sessions, generated_at=generated_at)


def render_examples(out_dir: str | os.PathLike, *, formats: Sequence[str] = ("html", "pdf"),
                    redact: bool = False) -> list[Path]:
    """Render the report of every bundled example into ``out_dir`` (what ``make demo`` does).

    Returns
    -------
    list of pathlib.Path
        The reports (HTML and PDF of each example) and the index page.
    """
    from ..datasets import example_names, load_example

    clients = [load_example(name) for name in example_names()]
    return write_reports(clients, out_dir, fmt=tuple(formats), redact=redact)
