"""The HTML report opened in a real headless browser: Debian's chromium (issue 6).

CI installs ``chromium`` with apt (``.ci/run``); a browser is never downloaded. As root it
needs ``--no-sandbox``; every run gets a fresh profile folder and no network features.
The test reads the DOM the browser built (``--dump-dom``), so it checks what a clinician's
browser shows, not the text we wrote: the names, the change and the outcome; a person
labelled ``<img src=x onerror=alert(1)>`` shown as literal text with no such element; a
screenshot that is not blank; and no Content-Security-Policy violation in the console (so
the policy blocks nothing the report needs).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import ipt_graph as ig
from ipt_graph.datasets import load_example
from ipt_graph.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
XSS = "<img src=x onerror=alert(1)>"
WHEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")


def chromium(profile: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run headless chromium with a fresh profile and no background network activity."""
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--no-first-run", f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, timeout=timeout, check=False)


class DOM(HTMLParser):
    """The elements (tag, attributes) and the text of a serialised DOM."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.pieces: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.pieces.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.pieces).split())


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """EX-GRIEF's report with the sister relabelled as an XSS attempt."""
    data = load_example("grief").to_dict()
    for person in data["people"]:
        if person["person_id"] == "p2":
            person["label"] = XSS
    client = ig.Client.from_dict(data)
    folder = tmp_path_factory.mktemp("browser")
    return write_report(client, folder / "report.html", generated_at=WHEN)


@pytest.fixture(scope="module")
def dom(page, tmp_path_factory) -> DOM:
    run = chromium(tmp_path_factory.mktemp("profile"), "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    return DOM(run.stdout.decode("utf-8"))


def test_browser_shows_names_change_and_outcome(dom):
    text = dom.text
    assert "Client EX-GRIEF" in text
    assert "Mother (M.)" in text and "Bereavement group member (J.)" in text
    assert "1 person joined the map: Bereavement group member (J.) in ring 2." in text
    assert f"{XSS} moved into the inner ring from ring 2." in text
    assert "recovered" in text
    assert "above 0 at sessions 6, 7, 8 — review risk" in text
    sections = [attrs.get("id") for tag, attrs in dom.elements if tag in ("section", "header")]
    assert sections[:3] == ["client", "safety", "outcomes"]


def test_browser_shows_the_hostile_label_as_text(dom):
    assert XSS in dom.text
    assert not [attrs for tag, attrs in dom.elements if tag == "img"]
    assert not [attrs for tag, attrs in dom.elements if attrs.get("src") == "x"]
    assert not [tag for tag, attrs in dom.elements if tag == "script"]
    assert not [(tag, name) for tag, attrs in dom.elements for name in attrs
                if name.startswith("on")]


def test_browser_blocks_nothing_the_report_needs(page, tmp_path):
    run = chromium(tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom",
                   page.as_uri())
    assert run.returncode == 0
    log = run.stderr.decode(errors="replace")
    assert "Content Security Policy" not in log, log[-2000:]


def test_screenshot_is_not_blank(page, tmp_path):
    from matplotlib.image import imread

    png = tmp_path / "report.png"
    run = chromium(tmp_path / "profile", "--hide-scrollbars", f"--screenshot={png}",
                   "--window-size=1280,2000", page.as_uri())
    assert run.returncode == 0 and png.exists(), run.stderr.decode(errors="replace")[-2000:]
    pixels = imread(png)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    grey = pixels.mean(axis=2)
    assert grey.std() > 0.05  # text, tables and figures, not one flat colour
    assert (grey < 0.5).mean() > 0.01  # dark ink on at least 1% of the page
    # the safety block's red-tinted background is drawn (a colour, besides the symbol)
    red = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.95) & (pixels[..., 2] < 0.95)
    assert red.mean() > 0.001
