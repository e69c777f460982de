"""The guideline text: Markdown rendered safely (an XSS corpus), sections and the diff."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from guidelines.markdown import render, section_diff, sections

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="https://evil.example"><input type=submit></form>',
    '<body onload="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '<a href="https://ok.example" onclick="alert(1)" onmouseover=alert(1)>ok</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    "<!--<script>alert(1)</script>-->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href=" javascript:alert(1)">space</a>',
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    "`<script>alert(1)</script>` and\n\n    <script>alert(1)</script>",
]

# Written out here on purpose, not imported from guidelines.markdown: if the sanitiser's
# allow-list ever grows (an <img>, a <style>), this independent list makes the test fail.
SAFE_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _assert_harmless(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name in {"href", "title", "rel", "align"}, (name, html)
            if name == "href":
                scheme = urlsplit((value or "").strip()).scheme.lower()
                assert scheme in {"", "http", "https", "mailto"}, (value, html)


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_hostile_input_is_rendered_harmless(payload):
    _assert_harmless(render(f"# Titel\n\nText {payload} Ende\n\n{payload}"))


def test_the_corpus_checker_catches_what_it_must():
    for bad in ("<img src=x>", '<a href="javascript:x">', '<p onclick="x">', '<p style="x">'):
        with pytest.raises(AssertionError):
            _assert_harmless(bad)


def test_plain_markdown_survives_the_sanitiser():
    html = render(
        "# Wer darf was sagen\n\n**Nur** das Team. Siehe [Intranet](https://intranet.example/sm)"
        " oder [Mail](mailto:sm@example.com).\n\n- eins\n- zwei\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h2>Wer darf was sagen</h2>" in html
    assert "<strong>Nur</strong>" in html
    assert 'href="https://intranet.example/sm"' in html
    assert 'href="mailto:sm@example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>eins</li>" in html
    assert "<table>" in html


def test_headings_move_down_so_the_page_keeps_its_h1():
    html = render("# Eins\n\n## Zwei\n\n###### Sechs")
    assert "<h1" not in html
    assert "<h2>Eins</h2>" in html and "<h3>Zwei</h3>" in html and "<h6>Sechs</h6>" in html


def test_sections_split_at_the_top_level_headings_only():
    text = "Vorwort\n\n## A\nfoo\n### A.1\nbar\n## B\n```\n## kein Titel\n```\nbaz"
    found = sections(text)
    assert [(s.heading, s.level) for s in found] == [("", 0), ("A", 2), ("B", 2)]
    assert "### A.1" in found[1].body
    assert "## kein Titel" in found[2].body


def test_diff_names_added_removed_changed_and_unchanged_sections():
    old = "# Wer darf was sagen\nalle\n# Geheimnisse\nintern\n# Konten\nnur das Team\n"
    new = (
        "# Wer darf was sagen\nalle\n# Konten\nnur das Team, mit Freigabe\n"
        "# Krisen\nEskalation an das Team\n"
    )
    changes = section_diff(old, new)
    assert [(c.kind, c.heading) for c in changes] == [
        ("unchanged", "Wer darf was sagen"),
        ("removed", "Geheimnisse"),
        ("changed", "Konten"),
        ("added", "Krisen"),
    ]
    changed = changes[2]
    assert "mit Freigabe" in changed.new_html and "mit Freigabe" not in changed.old_html
    assert "intern" in changes[1].old_html


def test_whitespace_and_heading_case_are_no_change():
    old = "# Konten\nnur   das Team\n\n\n"
    new = "#  KONTEN \n\nnur das Team"
    assert [c.kind for c in section_diff(old, new)] == ["unchanged"]


def test_diff_renders_hostile_sections_safely():
    changes = section_diff("# A\nalt", "# A\n<script>alert(1)</script>neu")
    assert "<script" not in changes[0].new_html


def test_a_changed_section_names_its_added_and_removed_lines():
    old = "# Krisen\n- Nicht selbst antworten.\n- Team informieren.\n- Alte Nummer 123.\n"
    new = (
        "# Krisen\n\n* Nicht  selbst antworten.\n- Team **sofort** informieren.\n"
        "- Neu: Rufbereitschaft.\n"
    )
    [change] = section_diff(old, new)
    lines = [(kind, str(html)) for kind, html in change.line_changes]
    assert lines == [
        ("removed", "Team informieren."),
        ("removed", "Alte Nummer 123."),
        ("added", "Team <strong>sofort</strong> informieren."),
        ("added", "Neu: Rufbereitschaft."),
    ]
    hostile = section_diff("# A\nalt", "# A\nalt\n<img src=x onerror=alert(1)>")[0]
    assert all("onerror" not in str(html) for _kind, html in hostile.line_changes)
