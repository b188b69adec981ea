"""The HTML and PDF reports (issue 6): content order, safety first, redaction, escaping,
determinism, self-containment, A4 pages whose text stays on the page.

Only synthetic people. Facts checked against the bundled examples come from the README's
table of the examples (EX-GRIEF: PHQ-9 15 -> 7 recovered, item 9 flagged at sessions 6-8;
the sister moved into the inner ring).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import ipt_graph as ig
from ipt_graph.datasets import load_example
from ipt_graph.errors import NotFoundError
from ipt_graph.report import (
    ReportDependencyError,
    environment,
    render_html,
    report_content,
    report_files,
    write_report,
    write_reports,
)
from ipt_graph.report import html as report_html
from ipt_graph.report import pdf as report_pdf
from ipt_graph.report.figures import svg_text
from ipt_graph.report.html import SECTIONS

WHEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('x')</script>"
AMP_QUOTES = "Tom & \"Jerry\" O'Neil"
MARK = "ZQX"  # planted in every label and free-text field; never in a redacted report


# --- helpers -------------------------------------------------------------------------------------


class Page(HTMLParser):
    """A parsed page: start tags with their attributes, and the text outside tags."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.data.append(data)

    @property
    def text(self) -> str:
        """The text, pieces joined by a space, runs of ASCII white space as one space (a
        no-break space stays)."""
        return re.sub(r"[ \t\r\n]+", " ", " ".join(self.data)).strip()

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def xss_problems(html: str, labels=(XSS, SCRIPT, AMP_QUOTES)) -> list[str]:
    """What is wrong with how a page shows user text: markup made from it, or text lost."""
    page = Page(html)
    problems = []
    if any(attrs.get("src") == "x" for attrs in page.named("img")):
        problems.append("an img element with src=x")
    if page.named("script"):
        problems.append("a script element")
    if any(name.startswith("on") for _, attrs in page.tags for name in attrs):
        problems.append("an event-handler attribute")
    problems += [f"label not shown as text: {label}" for label in labels
                 if label not in page.text]
    return problems


def xss_client() -> ig.Client:
    """EX-DISPUTE with hostile labels: the partner, a friend and the sister."""
    data = load_example("role_dispute").to_dict()
    labels = iter([XSS, SCRIPT, AMP_QUOTES])
    for person in data["people"][:3]:
        person["label"] = next(labels)
    return ig.Client.from_dict(data)


def planted_client() -> ig.Client:
    """A small client with a marker in every label and free-text field of the record."""
    client = ig.Client("C-PLANT", label=f"{MARK}clientlabel", notes=f"{MARK}clientnotes",
                       ring_labels=("close", "middle", "outer"))
    client.add_person("p1", label=f"{MARK}partner", role="partner",
                      attributes={"hobby": f"{MARK}attribute"})
    client.add_person("p2", label=f"{MARK}friend", role="friend")
    client.add_person("p3", label=f"{MARK}sister", role="sibling")
    phases = {1: "initial", 2: "initial", 3: "middle", 4: "termination"}
    for number, phase in phases.items():
        item9 = 1 if number == 3 else 0
        client.add_session(number, date=f"2026-01-{number * 7:02d}", phase=phase,
                           notes=f"{MARK}sessionnote{number}",
                           measures={"phq9": [2, 2, 2, 2, 1, 1, 1, 1, item9],
                                     "gad7": [2, 2, 1, 1, 1, 1, 1]})
    client.add_problem_area("role_dispute", primary=True, focus=["p1"],
                            notes=f"{MARK}areanote")
    client.add_problem_area("role_transition", old_role=f"{MARK}oldrole",
                            new_role=f"{MARK}newrole", date="2025-09")
    client.rate(1, "p1", ring=1, support=2, conflict=5, dispute_stage="impasse",
                expectations=f"{MARK}expectations", expectations_met="not_met",
                satisfying=f"{MARK}satisfying", unsatisfying=f"{MARK}unsatisfying",
                desired_change=f"{MARK}desired", notes=f"{MARK}ratingnote",
                contact="daily", confidant=False)
    client.rate(1, "p2", ring=2, support=5, conflict=1)
    client.tie(1, "p1", "p2")
    client.rate(2, "p3", ring=3, support=4, conflict=2)
    client.rate(4, "p1", conflict=2, dispute_stage="renegotiation")
    client.rate(4, "p2", ring=1)
    client.add_event("e1", date="2025-09", kind="conflict", people=["p1"],
                     notes=f"{MARK}eventnote")
    client.add_event("e2", date="2025-10-02", kind="symptom_onset", onset=True,
                     notes=f"{MARK}onsetnote")
    return client


def report(client: ig.Client, **kwargs) -> str:
    return render_html(client, generated_at=WHEN, **kwargs)


@pytest.fixture(scope="module")
def grief_html() -> str:
    return report(load_example("grief"))


@pytest.fixture(scope="module")
def xss_html() -> str:
    return report(xss_client())


needs_weasyprint = pytest.mark.skipif(
    not report_pdf._weasyprint_available(), reason="WeasyPrint is not installed")


def pdf_pages(data: bytes):
    import io

    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data)).pages


def text_chunks(data: bytes) -> list[tuple[int, float, float, float, float, float, str]]:
    """Every piece of text on every page: (page, x, y, font size, width, height, text).

    Positions are in page space: the text matrix times the current transformation matrix
    (PDF 32000-1 §9.4.2), as pypdf's ``visitor_text`` hands them over.
    """
    chunks = []
    for number, page in enumerate(pdf_pages(data)):
        box = page.mediabox
        width, height = float(box.width), float(box.height)

        def visit(text, cm, tm, font, size, number=number, width=width, height=height):
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = abs(cm[3]) or abs(cm[0]) or 1.0
            chunks.append((number, x, y, abs(size * scale), width, height, text))

        page.extract_text(visitor_text=visit)
    return chunks


def off_page(chunks) -> list[str]:
    """Text that starts outside its page, or is too long to end inside it.

    Every glyph of DejaVu Sans and Noto CJK is at least 0.25 em wide, so a run of n
    characters at size s is at least 0.25 * n * s points long: a lower bound, so the check
    never fails text that fits.
    """
    bad = []
    for page, x, y, size, width, height, text in chunks:
        shortest = 0.25 * size * len(text.strip())
        if not (-1 <= x <= width + 1 and -1 <= y <= height + 1) or x + shortest > width + 1:
            bad.append(f"page {page + 1} at ({x:.0f}, {y:.0f}): {text.strip()[:40]!r}")
    return bad


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in pdf_pages(data)).split())


# --- content and order ---------------------------------------------------------------------------


def test_sections_come_in_reading_order(grief_html):
    positions = [grief_html.index(f'id="{section}"') for section, _ in SECTIONS]
    assert positions == sorted(positions)
    assert grief_html.index("</section>", positions[-1]) < grief_html.index("<footer")
    headings = [heading for _, heading in SECTIONS[2:]]
    found = [grief_html.index(f">{heading}</h2>") for heading in headings]
    assert found == sorted(found)
    # the header's facts: code, dates, sessions, phases, problem areas and focus people
    header = grief_html[:positions[1]]
    facts = ["Client code", "Dates", "Sessions", "Phases", "Problem areas", "Mother (M.)"]
    assert [header.index(f) for f in facts] == sorted(header.index(f) for f in facts)


def test_header_holds_the_facts_of_the_summary(grief_html):
    text = Page(grief_html).text
    assert "Client EX-GRIEF" in text
    assert "2026-01-26 to 2026-04-27" in text
    assert "14 sessions recorded of 14 planned; 14 attended; none missed" in text
    assert "initial 1–3; middle 4–11; termination 12–14" in text
    assert "grief (primary); focus: Mother (M.)" in text


def test_safety_block_is_first_and_prominent(grief_html):
    safety = grief_html.index('id="safety"')
    assert safety < grief_html.index('id="outcomes"')
    assert 'class="safety safety-flagged"' in grief_html
    block = Page(grief_html[safety:grief_html.index("</section>", safety)]).text
    # a heading and a symbol, not colour alone
    assert "⚠ Safety: review risk" in block
    assert ("PHQ-9 item 9 (thoughts that you would be better off dead or of hurting "
            "yourself) above 0 at sessions 6, 7, 8 — review risk") in block
    assert "At the latest PHQ-9 (session 14) item 9 was 0." in block
    # wherever the score is shown, the flag is too
    outcomes = Page(grief_html[grief_html.index('id="outcomes"'):]).text
    assert "⚠ PHQ-9 item 9 above 0 at sessions 6, 7, 8" in outcomes


def test_safety_says_when_item9_was_not_available(worked_example):
    content = report_content(worked_example, generated_at=WHEN)
    assert content.safety["status"] == "unavailable"
    assert "no PHQ-9 was recorded" in content.safety["headline"]
    worked_example.record_measure(2, "phq9", total=12)
    content = report_content(worked_example, generated_at=WHEN)
    assert "only PHQ-9 totals were recorded (sessions 2)" in content.safety["headline"]
    worked_example.record_measure(3, "phq9", items=[1, 1, 1, 1, 1, 1, 1, 1, 0])
    content = report_content(worked_example, generated_at=WHEN)
    assert content.safety["status"] == "clear"
    assert content.safety["details"] == [
        "Item 9 was not available (PHQ-9 total only) at sessions 2."]
    html = report(worked_example)
    assert "✓ Safety: no item-9 flag" in Page(html).text


def test_outcomes_name_start_and_end_sessions(grief_html):
    page = Page(grief_html[grief_html.index('id="outcomes"'):grief_html.index('id="circles"')])
    cells = page.text
    assert "PHQ-9" in cells and "recovered" in cells
    assert "15 (session\u00a01)" in cells and "7 (session\u00a014)" in cells
    assert "moderately severe → mild" in cells
    assert page.named("svg"), "the PHQ-9 chart"


def test_change_and_circles_use_baseline_and_latest(grief_html):
    text = Page(grief_html).text
    assert "Baseline (session 3, the end of the initial phase" in text
    assert "latest (session 14)" in text
    assert "Sister (B.) moved into the inner ring from ring 2." in text
    assert "Conflict with Mother (M.), the focus of grief, fell from 2 to 1" in text
    circles = grief_html[grief_html.index('id="circles"'):grief_html.index('id="change"')]
    assert ">session 3</text>" in circles and ">session 14</text>" in circles
    # the per-person table: the sister's ring 2 -> 1, marked as moving closer
    row = re.search(r"<tr><td class=\"text\">Sister \(B\.\)</td>(.*?)</tr>", grief_html).group(1)
    assert "2 → 1" in row and "closer" in row


def test_chosen_sessions(worked_example):
    html = report(load_example("grief"), sessions=[1, 8, 14])
    text = Page(html).text
    assert "Sessions 1, 8, 14 (chosen)." in text
    assert "From session 1 to session 14" in text
    circles = html[html.index('id="circles"'):html.index('id="change"')]
    assert all(f">session {n}</text>" in circles for n in (1, 8, 14))
    with pytest.raises(NotFoundError, match="session 99"):
        report(load_example("grief"), sessions=[1, 99])


def test_inventory_sheet_shows_latest_entries_with_their_session():
    html = report(planted_client())
    sheet = Page(html[html.index('id="inventory"'):html.index("<footer")]).text
    assert f"{MARK}partner · partner · ring 1" in sheet
    assert "Dispute stage renegotiation (session 4)" in sheet
    assert f"Expectations {MARK}expectations (session 1)" in sheet
    assert "Expectations met not met (session 1)" in sheet
    assert "Confidant no (session 1)" in sheet


def test_footer_has_time_version_and_case_hash(grief_html):
    import hashlib

    from ipt_graph.io.casefile import dumps

    footer = grief_html[grief_html.index("<footer"):]
    digest = hashlib.sha256(dumps(load_example("grief")).encode()).hexdigest()
    assert f'title="{digest}">{digest[:16]}</span>' in footer
    assert "Generated 2026-11-26T09:30:00Z (UTC)" in footer
    assert f"ipt_graph {ig.__version__}" in footer


# random labels hold an emoji, which no installed font has: matplotlib warns, as it should
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
@pytest.mark.filterwarnings("ignore::ipt_graph.plotting.FontWarning")
def test_clients_with_few_sessions_or_none_render(worked_example, random_client):
    empty = ig.Client("C-EMPTY")
    text = Page(report(empty)).text
    assert "none recorded yet" in text and "No sessions recorded yet" in text
    one = ig.Client("C-ONE")
    one.add_session(1, measures={"phq9": [1] * 9})
    assert "the only session to draw" in Page(report(one)).text
    for seed in range(3):
        html = report(random_client(seed), redact=seed % 2 == 1)
        assert not xss_problems(html, labels=())


# --- redaction -----------------------------------------------------------------------------------


def test_redaction_leaves_out_every_label_and_free_text():
    client = planted_client()
    shown = report(client)
    for field in ("clientlabel", "clientnotes", "partner", "friend", "sister", "areanote",
                  "oldrole", "newrole", "expectations", "satisfying", "unsatisfying",
                  "desired", "ratingnote", "eventnote"):
        assert f"{MARK}{field}" in shown, field  # the marker would be found if shown
    redacted = report(client, redact=True)
    assert MARK not in redacted
    text = Page(redacted).text
    assert "p1 (partner)" in text and "p3 (sibling)" in text
    assert "Redacted: people are shown by code and role" in text
    # the structured facts stay
    assert "Dispute stage renegotiation (session 4)" in text
    assert "above 0 at session 3" in text


@needs_weasyprint
def test_redacted_pdf_has_no_label_or_free_text(tmp_path):
    path = write_report(planted_client(), tmp_path / "plant.pdf", redact=True,
                        generated_at=WHEN)
    text = pdf_text(path.read_bytes())
    assert "p1 (partner)" in text
    assert MARK not in text.replace(" ", "")


# --- escaping and self-containment ---------------------------------------------------------------


def test_user_text_is_escaped(xss_html):
    html = xss_html
    assert xss_problems(html) == []
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;" in html
    assert "Tom &amp; &#34;Jerry&#34; O&#39;Neil" in html
    # the labels drawn in the circles come escaped from matplotlib's SVG writer
    circles = html[html.index('id="circles"'):html.index('id="change"')]
    assert "&lt;script&gt;" in circles or "&lt;img" in circles


def test_escaping_comes_from_autoescape(monkeypatch):
    assert environment().autoescape is True
    original = report_html.environment

    def without_autoescape():
        env = original().overlay(autoescape=False)
        assert env.autoescape is False
        return env

    monkeypatch.setattr(report_html, "environment", without_autoescape)
    problems = xss_problems(report(xss_client()))
    assert "an img element with src=x" in problems
    assert "a script element" in problems


def test_dollar_signs_in_labels_are_text():
    data = load_example("grief").to_dict()
    data["people"][0]["label"] = r"Mum $\foo$"
    data["people"][1]["label"] = "Sis $x^2$ & $5"
    html = report(ig.Client.from_dict(data))
    circles = html[html.index('id="circles"'):html.index('id="change"')]
    assert r"Mum $\foo$" in circles and "Sis $x^2$ &amp; $5" in circles
    assert "Sis $x^2$ & $5 moved into the inner ring" in Page(html).text


def test_matplotlib_escapes_text_in_svg():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 1))
    ax = figure.add_subplot()
    ax.set_title(f"{SCRIPT} & {XSS}")
    svg = svg_text(figure, "t")
    assert "&lt;script&gt;" in svg and "&amp;" in svg and "&lt;img" in svg
    assert "<script" not in svg and "<img" not in svg
    assert 'id="t-' in svg and "http" not in svg
    ax.text(0.5, 0.5, "link", url="https://example.invalid/")  # a link out is refused
    with pytest.raises(ValueError, match="unexpected markup"):
        svg_text(figure, "t")


def test_page_is_self_contained(grief_html):
    page = Page(grief_html)
    policy = [a["content"] for a in page.named("meta")
              if a.get("http-equiv") == "Content-Security-Policy"]
    assert len(policy) == 1
    directives = dict(d.strip().split(" ", 1) for d in policy[0].split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'none'"
    assert "<script" not in grief_html.lower()
    assert "http://" not in grief_html and "https://" not in grief_html
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), tag
        assert attrs.get("href") is None or attrs["href"].startswith("#"), tag
    assert not page.named("link") and not page.named("img") and not page.named("iframe")
    # several figures in one page never share an id
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids))


def test_rendering_is_deterministic(grief_html):
    client = load_example("grief")
    assert report(client) == grief_html
    later = render_html(client, generated_at=WHEN + dt.timedelta(hours=1))
    lines = zip(grief_html.splitlines(), later.splitlines(), strict=True)
    differing = [(a, b) for a, b in lines if a != b]
    assert len(differing) == 1 and "Generated 2026-11-26T10:30:00Z" in differing[0][1]


def test_rendering_is_identical_in_another_process(tmp_path):
    code = ("import datetime as dt, sys; from ipt_graph.datasets import load_example; "
            "from ipt_graph.report import render_html; "
            "sys.stdout.write(render_html(load_example('interpersonal_deficits'), "
            "generated_at=dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)))")
    env = dict(os.environ, PYTHONHASHSEED="12345", MPLBACKEND="Agg")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                           env=env, timeout=120).stdout.decode("utf-8")
    assert other == report(load_example("interpersonal_deficits"))


# --- files ---------------------------------------------------------------------------------------


def test_write_report_chooses_the_format_by_suffix(tmp_path, worked_example):
    html = write_report(worked_example, tmp_path / "r.html", generated_at=WHEN)
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match=r"must end in \.html or \.pdf, got '\.txt'"):
        write_report(worked_example, tmp_path / "r.txt")
    assert not (tmp_path / "r.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temporary left


def test_write_reports_writes_an_index(tmp_path, worked_example):
    other = ig.Client.from_dict({**worked_example.to_dict(), "client_id": "C-015"})
    written = write_reports([worked_example, other, worked_example], tmp_path / "out",
                            generated_at=WHEN, progress=False)
    names = [p.name for p in written]
    assert names == ["C-014.html", "C-015.html", "C-014-2.html", "index.html"]
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    page = Page(index)
    assert [a["href"] for a in page.named("a")] == names[:3]
    assert "C-015" in page.text and "not available" in page.text
    assert not xss_problems(index, labels=())


def test_index_shows_outcome_and_item9_flag(tmp_path):
    write_reports([load_example("grief")], tmp_path, generated_at=WHEN, progress=False)
    text = Page((tmp_path / "index.html").read_text(encoding="utf-8")).text
    assert "EX-GRIEF" in text and "recovered" in text
    assert "⚠ above 0 at sessions 6, 7, 8" in text


def test_progress_bar_for_many_reports_counts_only(tmp_path, worked_example, monkeypatch,
                                                   capsys):
    monkeypatch.setenv("IPT_GRAPH_PROGRESS", "1")
    clients = [ig.Client.from_dict({**worked_example.to_dict(), "client_id": f"C-{n}"})
               for n in range(3)]
    write_reports(clients, tmp_path, generated_at=WHEN)
    err = capsys.readouterr().err
    assert "3/3" in err and "reports" in err
    assert "C-0" not in err and "C-1" not in err


def test_report_files_is_the_command_line(tmp_path, worked_example):
    one = report_files([worked_example], tmp_path / "new" / "one.html", generated_at=WHEN)
    assert one == [tmp_path / "new" / "one.html"] and one[0].exists()
    with pytest.raises(ValueError, match="names one report file but 2 cases"):
        report_files([worked_example, worked_example], tmp_path / "two.html")
    with pytest.raises(ValueError, match="is an HTML file but --format pdf"):
        report_files([worked_example], tmp_path / "new" / "one.html", formats=["pdf"])
    folder = report_files([Path("data/examples/grief.json")], tmp_path / "folder",
                          generated_at=WHEN)
    assert [p.name for p in folder] == ["EX-GRIEF.html", "index.html"]


# --- PDF -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grief_pdf(tmp_path_factory) -> bytes:
    if not report_pdf._weasyprint_available():
        pytest.skip("WeasyPrint is not installed")
    path = tmp_path_factory.mktemp("pdf") / "grief.pdf"
    return write_report(load_example("grief"), path, generated_at=WHEN).read_bytes()


def test_pdf_holds_the_facts(grief_pdf):
    assert grief_pdf.startswith(b"%PDF")
    text = pdf_text(grief_pdf)
    assert "Client EX-GRIEF" in text
    assert "recovered" in text
    assert "above 0 at sessions 6, 7, 8 — review risk" in text
    assert "Sister (B.) moved into the inner ring from ring 2." in text
    assert text.index("Safety") < text.index("Symptom course") < text.index("Inventory sheet")


def test_pdf_pages_are_a4(grief_pdf):
    pages = pdf_pages(grief_pdf)
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages]
    assert sizes[0] == (595, 842)
    # the closeness circles and the change table are on landscape A4 pages
    assert set(sizes) <= {(595, 842), (842, 595)}
    assert all(p.rotation == 0 for p in pages)


def test_pdf_text_stays_on_the_page(grief_pdf):
    chunks = text_chunks(grief_pdf)
    assert len(chunks) > 100
    assert off_page(chunks) == []


def test_off_page_check_catches_text_running_off():
    weasy = report_pdf._weasyprint()
    html = ('<html><body style="white-space: nowrap">' + "overflowing " * 80
            + "</body></html>")
    data = weasy.HTML(string=html).write_pdf()
    assert off_page(text_chunks(data))


@needs_weasyprint
def test_long_text_continues_on_further_pages():
    client = planted_client()
    short = report_pdf.html_to_pdf(report(client))
    # several thousand words, and a "word" longer than a line (the model's limit is 20,000
    # characters a field): in the inventory sheet and in a table cell (an event's notes)
    long_text = " ".join(f"w{n}" for n in range(2500)) + " " + "x" * 3000 + " THEEND"
    data = client.to_dict()
    data["events"][0]["notes"] = " ".join(f"e{n}" for n in range(2500)) + " EVENTEND"
    client = ig.Client.from_dict(data)
    client.rate(4, "p3", desired_change=long_text)
    pdf = report_pdf.html_to_pdf(report(client))
    assert len(pdf_pages(pdf)) >= len(pdf_pages(short)) + 4
    text = pdf_text(pdf).replace(" ", "")
    assert "w2499" in text and "THEEND" in text and "x" * 3000 in text
    assert "e2499" in text and "EVENTEND" in text
    assert off_page(text_chunks(pdf)) == []


@needs_weasyprint
def test_pdf_fetches_nothing(worked_example):
    attempts: list[str] = []
    report_pdf._render(report(worked_example), attempts)
    assert attempts == []
    report_pdf._render('<img src="http://example.invalid/x.png">', attempts)
    assert attempts == ["http://example.invalid/x.png"]


def test_missing_weasyprint_is_a_clear_error(monkeypatch, worked_example, tmp_path):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(ReportDependencyError, match=r"pip install 'ipt_graph\[report\]'"):
        write_report(worked_example, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()
