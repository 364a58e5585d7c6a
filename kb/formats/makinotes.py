"""makinotes "AI Daily Harvest" layout: scored ``### [title](url) — 88/100`` items.

Why a dedicated parser: the ``## Overview`` block repeats the top items (a blockquote of
their summaries and ``- **91** [title](url) — source`` bullets) and must not produce a
second copy of them; everything else is regular:

* ``# AI Daily Harvest — DATE``;
* verdict sections ``## Must Read`` / ``## Worth Reading`` / ``## Neutral`` / ...;
* items ``### [title](url) — 91/100``, then ``**source** · category · level``, a ``>``
  one-line summary, a paragraph, bullets, and a ``---`` separator.

Title = the heading's link text (the score is dropped); url = its link; the text keeps the
source line, the summary, the paragraph and the bullets.
"""

from __future__ import annotations

import re

from kb.formats import markdown as md
from kb.formats.doc import Document, Draft
from kb.formats.units import find_lead
from kb.models import MAIN

NAME = "makinotes"

_H1 = re.compile(r"^#[ \t]+AI Daily Harvest\b", re.MULTILINE)
_ITEM_HEAD = re.compile(r"^###[ \t]+\[.+\]\(https?://[^)]*\)[ \t]*[—–-]+[ \t]*\d+/100", re.MULTILINE)
_SCORE = re.compile(r"\s*[—–-]+\s*\d+\s*/\s*100\s*$")
_SKIP = re.compile(r"^(overview|概览|总览)$", re.IGNORECASE)


def detect(doc: Document) -> bool:
    return _H1.search(doc.body) is not None or _ITEM_HEAD.search(doc.body) is not None


def parse(doc: Document) -> tuple[list[Draft], list[str]]:
    drafts: list[Draft] = []
    root = md.section_tree(doc.blocks)
    _walk(root, None, drafts)
    return drafts, [] if drafts else ["no ### items found"]


def _walk(sec: md.Section, section: str | None, drafts: list[Draft]) -> None:
    for child in sec.children:
        if child.level == 1:
            _walk(child, section, drafts)
        elif child.level == 2:
            if not _SKIP.match(child.title):
                _walk(child, child.title, drafts)
        else:
            drafts.append(_item(child, section))


def _item(sec: md.Section, section: str | None) -> Draft:
    head = sec.heading.lines[0] if sec.heading else ""
    lead = find_lead(head)
    if lead is not None:
        title, url = lead.title, lead.url
    else:
        title, url = _SCORE.sub("", md.strip_inline(head)), None
    blocks = sec.all_blocks()
    links = md.dedupe(md.links_in(head) + md.block_links(blocks))
    return Draft(section, title, md.render(blocks), url, links, MAIN)
