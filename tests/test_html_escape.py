"""HTML escapes everything a user typed (issue 7, part 10).

Labels, notes and other free text are generated (Hypothesis) and planted in a client; every
HTML the library makes — the notebook displays of a client, an inventory and a change, the
editor's HTML widgets, and the report — is parsed with :mod:`html.parser` and must hold no
element, attribute or URL that the text could have smuggled in, while the text itself shows,
escaped, where it belongs.
"""

from __future__ import annotations

import warnings
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import ipt_graph as ig
from ipt_graph import notebook
from ipt_graph.report import render_html

#: Payloads that break out of text into markup when they are not escaped.
PAYLOADS = [
    "<script>alert(1)</script>", "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>', "' onmouseover='alert(1)",
    "</td></tr></table><iframe src=//x>", "<!-- x", "x -->", "--><img src=x onerror=alert(1)>",
    "<![CDATA[<script>]]>", "]]><script>", "<style>*{display:none}</style>",
    "javascript:alert(1)", "<a href=javascript:alert(1)>x</a>", "&lt;b&gt; &amp; &#60;",
    "{{ 7*7 }} {% raw %}", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<foreignObject><body onload=alert(1)>", "Zoë “quoted” & 'single'", "\u202eevil",
    "<b>bold</b>", "<", ">", "&", '"', "'",
]
#: Elements none of these pages ever holds.
FORBIDDEN = {"script", "img", "iframe", "object", "embed", "foreignobject", "math", "mglyph",
             "frame", "frameset", "base", "link", "form", "input", "button", "textarea",
             "audio", "video", "source", "animate", "set", "marquee", "template"}
#: Matplotlib reads ``$...$`` as mathematics: a label holding "$" can fail to draw (see
#: test_dollar_signs_in_labels_draw_as_text); here the text is about markup.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                                      blacklist_characters="$"), min_size=1, max_size=40)
LABELS = st.one_of(st.sampled_from(PAYLOADS), TEXT)


class _Page(HTMLParser):
    """Every element with its attributes, and the text between them (unescaped)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def check_page(page: str, shown: list[str] = ()) -> None:
    """No smuggled element, attribute or URL; each text of ``shown`` appears as text."""
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    parser = _Page()
    parser.feed(page)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag not in FORBIDDEN, f"<{tag}> in the page"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            if name in ("href", "xlink:href", "src", "action", "formaction"):
                assert value is not None and value.startswith("#"), f"{name}={value!r}"
            assert "javascript:" not in (value or "").lower()
    text = "".join(parser.text)
    for value in shown:
        assert value in text, f"{value!r} is not shown as text"


#: Typed ring labels (at most 40 characters each), markup included.
RING_LABELS = ["<i>in</i>ner", "mid & \"dle\"", "</svg><img src=x>"]


def _client(labels: list[str]) -> ig.Client:
    first, second, third = labels
    client = ig.Client("C-HTML", label=first, notes=second, ring_labels=RING_LABELS)
    client.add_person("p1", label=first, role="partner",
                      attributes={"hobby": second})
    client.add_person("p2", label=second, role="parent")
    client.add_person("p3", label=third, role="friend")
    client.add_session(1, date="2026-01-05", phase="initial", notes=third,
                       measures={"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 1]})
    client.add_session(2, date="2026-01-12", phase="middle",
                       measures={"phq9": [0, 1, 0, 1, 0, 1, 0, 1, 0]})
    client.rate(1, "p1", ring=1, support=4, conflict=5, notes=first, expectations=second,
                satisfying=third, unsatisfying=first, desired_change=second)
    client.rate(1, "p2", ring=2, support=5, conflict=1, status="deceased")
    client.rate(1, "p3", ring=3, support=2, conflict=2)
    client.tie(1, "p1", "p3")
    client.rate(2, "p1", conflict=3, notes=third)
    client.add_problem_area("role_transition", primary=True, focus=["p1"], old_role=first,
                            new_role=second, notes=third)
    client.add_event("e1", date="2025-11", kind="move", people=["p1"], notes=first)
    return client


def _pages(client: ig.Client) -> list[tuple[str, str, bool]]:
    """Every HTML of the library for this client: (name, page, redacted)."""
    change = ig.compare(client.inventory(1), client.inventory(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs in the figures are not our topic
        return [
            ("client", notebook.client_html(client), False),
            ("client redacted", notebook.to_html(notebook.Redacted(client)), True),
            ("inventory", notebook.inventory_html(client.inventory(1)), False),
            ("change", notebook.change_html(change, client=client), False),
            ("report", render_html(client), False),
        ]


#: Each example draws every figure (a few seconds): few examples, and no shrinking, which
#: would redraw them hundreds of times; a failure is reported as found.
SLOW = settings(max_examples=5, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(labels=st.lists(LABELS, min_size=3, max_size=3))
def test_every_page_escapes_generated_text(labels):
    client = _client(labels)
    for name, page, _ in _pages(client):
        shown = {"client": [labels[0], RING_LABELS[0]], "inventory": labels,
                 "change": labels, "report": [labels[0]], "client redacted": []}[name]
        check_page(page, [value for value in shown if value.strip()])


def test_redacted_pages_leave_the_text_out():
    markers = ["ZQX-A <b>", "ZQX-B &", "ZQX-C \""]
    for name, page, redacted in _pages(_client(markers)):
        check_page(page)
        if redacted:
            assert "ZQX" not in page, name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = render_html(_client(markers), redact=True)
    check_page(report)
    assert "ZQX" not in report


@pytest.mark.parametrize("start", range(0, len(PAYLOADS), 3))
def test_every_page_escapes_the_known_payloads(start):
    labels = (PAYLOADS[start:start + 3] + PAYLOADS[:3])[:3]
    for name, page, redacted in _pages(_client(labels)):
        check_page(page, [] if redacted or name in ("client", "report") else labels)


def test_the_editor_widgets_escape_text():
    pytest.importorskip("ipywidgets")
    client = _client(PAYLOADS[:3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        editor = ig.edit(client, session=1)
        editor.people.value = "p1"
        editor.label.value = PAYLOADS[2]
        editor.person_id.value = "<img src=x onerror=alert(1)>"
        editor.add_person_button.click()  # refused: the id is not an id
        message = editor.message.value
        editor.fields["ring"].value = None
        editor.apply_button.click()
    for page in (editor.circle.value, editor.carried.value, message, editor.message.value):
        check_page(page)
    assert "Not changed" in message


def test_dollar_signs_in_labels_draw_as_text():
    client = _client(["$\\foo$", "$x^2$", "cost $5 or $6"])
    for _, page, _ in _pages(client):
        check_page(page)
