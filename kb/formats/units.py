"""Titles for items that have no heading: list items, bold-title lines, numbered paragraphs.

Why shared: the dongyu parser and the generic splitter meet the same item shapes
(``1. **Title**`` + body, ``- [Title](url)：desc``, ``**Title**`` + paragraph, and bare
numbered paragraphs with no title at all) and must title them the same way.

Rules:

* a lead ``[title](url)``, ``**[title](url)**`` or ``**title**`` at the start of the first
  line is the title when nothing but decoration or a separator (``：``, ``-``, ``—``) follows;
* a one-line item with a lead and a description after the separator is a *brief*:
  its text is the whole readable line (title included);
* an item without a lead gets a derived title: its first sentence, cut at a clause break
  to at most ~80 characters.  Its text is then the full body (the derived title is a
  summary of it, so nothing is lost at the cut).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.formats import markdown as md

_LEAD_LINK = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:\d{1,3}[.、)](?!\d)\s*)?\[(?P<t>(?:[^\[\]]|\[[^\[\]]*\])+)\]"
    r"\(\s*<?(?P<u>(?:[^()\s<>]|\([^()\s]*\))*)>?\s*\)\s*(?:\*\*|__)?"
)
_LEAD_BOLD = re.compile(r"^\s*(?:\*\*|__)(?P<t>(?:(?!\*\*|__).)+?)(?:\*\*|__)")
_LABEL = re.compile(r"^\s*(?:\*\*|__)?[\[【][^\[\]【】]{1,12}[\]】](?!\()(?:\*\*|__)?\s*(?=\[)")
_ENUM = re.compile(r"^\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[.、．)）:：](?!\d)\s*")
_SEPARATOR = re.compile(r"^\s*(?:[：:|·•]|[-—–]{1,2}(?=\s|[^\-—–])|\s-\s)")
_SENTENCE_END = re.compile(r"[。！？!?；](?=.)|\.(?=\s)")
_CLAUSE = re.compile(r"[，,；;：:]|——")
MAX_TITLE = 80


@dataclass(frozen=True)
class Lead:
    title: str
    url: str | None
    rest: str  # markdown after the lead on the first line
    separated: bool  # the rest starts with a separator (title：description)


def strip_enum(title: str) -> str:
    """'3. Title' / '3、Title' -> 'Title' (keeps titles that are only a number)."""
    t = _ENUM.sub("", title, count=1)
    return t if t.strip() else title


def find_lead(line: str) -> Lead | None:
    """A title-like lead at the start of ``line`` (markdown), or None.

    A short category label before a link (``**[产品]** [title](url) - …``) is skipped.
    """
    lm0 = _LABEL.match(line)
    if lm0 is not None and _LEAD_LINK.match(line[lm0.end():]):
        line = line[lm0.end():]
    m = _LEAD_LINK.match(line)
    url: str | None = None
    if m:
        title = md.strip_inline(m.group("t"))
        url = _http(m.group("u"))
    else:
        m = _LEAD_BOLD.match(line)
        if not m:
            return None
        inner = m.group("t")
        lm = _LEAD_LINK.match(inner)
        if lm and lm.end() >= len(inner.rstrip()):
            url = _http(lm.group("u"))
            title = md.strip_inline(lm.group("t"))
        else:
            title = strip_enum(md.strip_inline(inner))  # "**1. Title**" -> "Title"
    title = title.strip()
    if len(title) > 2 and title[0] in "[【" and title[-1] in "]】":
        title = title[1:-1].strip()  # "**[Title]**" (a link whose url was lost)
    if not title:
        return None
    rest = line[m.end():]
    readable_rest = md.strip_inline(rest)
    separated = bool(_SEPARATOR.match(rest)) or bool(_SEPARATOR.match(readable_rest))
    if readable_rest and not separated and len(readable_rest) > 15:
        return None  # bold words (or a link) opening a sentence: not a title
    return Lead(title, url, rest, separated)


def _http(u: str) -> str | None:
    return u if u.lower().startswith(("http://", "https://")) else None


def derive_title(text: str) -> str:
    """A short title from readable text: first sentence, cut at a clause break if long."""
    line = text.strip().split("\n", 1)[0].strip()
    m = _SENTENCE_END.search(line)
    sent = line[: m.start()] if m else line
    sent = sent.strip().rstrip("。.!！?？；;，,")
    if len(sent) <= MAX_TITLE:
        return sent
    cut = -1
    for cm in _CLAUSE.finditer(sent, 0, MAX_TITLE):
        if cm.start() >= 12:
            cut = cm.start()
    if cut > 0:
        return sent[:cut].rstrip()
    return sent[: MAX_TITLE - 1].rstrip() + "…"


@dataclass
class Unit:
    """What a list item / bold line / numbered paragraph says about itself."""

    title: str
    text: str
    url: str | None
    links: tuple[str, ...]
    brief: bool


def unit_from_lines(lines: list[str], prefer_lead_url: bool = True) -> Unit:
    """Title, text and links of an item whose markdown is ``lines`` (first line = lead line).

    A lead with a separated description and nothing else -> brief (text = whole line).
    A lead alone on its line followed by more content -> title + the rest as text.
    No lead -> derived title, text = everything.
    """
    first = lines[0] if lines else ""
    body = lines[1:]
    has_more = any(ln.strip() for ln in body)
    lead = find_lead(first)
    links = md.dedupe(md.links_in("\n".join(lines)))
    if lead is not None:
        url = lead.url if prefer_lead_url else None
        rest_readable = md.strip_inline(lead.rest)
        if not has_more:
            text = md.strip_inline(first) if rest_readable else lead.title
            text = strip_enum(text)
            return Unit(lead.title, text, url, links, brief=True)
        rest_lines = ([lead.rest] if rest_readable else []) + body
        text = md.render(md.parse_blocks(rest_lines))
        return Unit(lead.title, text, url, links, brief=False)
    text = md.render(md.parse_blocks(lines))
    return Unit(derive_title(text), text, None, links, brief=False)
