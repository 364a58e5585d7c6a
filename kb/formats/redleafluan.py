"""redleafluan/ai_daily_report layout: ``#### **[Entity]** headline`` + emoji bullets.

Why a dedicated parser: ``## 1. 今日总结`` (with its ``今日看点`` blockquote) summarises the
day and is not an item, and each item's fields sit in emoji-tagged bullets:

* ``# 📅 Daily AI Report - DATE``; ``## 1. 今日总结``; ``## 2. 精选日报``;
* ``### emoji category`` (the item's section);
* items ``#### **[Entity]** headline`` with bullets ``🔗 [阅读原文](url)``, ``📝 summary``,
  ``⏰ time``.

Decisions: title = the headline *without* the ``[Entity]`` prefix (the entity is the
author's label, not part of the headline); the text starts with a ``[Entity]`` line so the
label stays searchable, followed by the summary.  url = the 阅读原文 link.  The ``⏰`` time
line is dropped: the item carries the issue date.
"""

from __future__ import annotations

import re

from kb.formats import markdown as md
from kb.formats.doc import Document, Draft
from kb.models import MAIN

NAME = "redleafluan"

_H1 = re.compile(r"^#[ \t]+.*Daily AI Report\b", re.MULTILINE)
_ITEM_HEAD = re.compile(r"^####[ \t]+\*\*\[[^\]]+\]\*\*", re.MULTILINE)
_ENTITY = re.compile(r"^\s*(?:\*\*)?\[(?P<e>[^\]]+)\](?:\*\*)?\s*(?P<rest>.*)$")
_SKIP = re.compile(r"今日总结|Daily Summary|今日看点")
_TIME = re.compile(r"^\s*⏰")
_LINK_MARK = re.compile(r"^\s*🔗")
_SUMMARY_MARK = re.compile(r"^\s*📝\s*")


def detect(doc: Document) -> bool:
    return _H1.search(doc.body) is not None or (
        _ITEM_HEAD.search(doc.body) is not None and "阅读原文" in doc.body
    )


def parse(doc: Document) -> tuple[list[Draft], list[str]]:
    drafts: list[Draft] = []
    root = md.section_tree(doc.blocks)
    _walk(root, None, drafts)
    return drafts, [] if drafts else ["no #### items found"]


def _walk(sec: md.Section, section: str | None, drafts: list[Draft]) -> None:
    for child in sec.children:
        if _SKIP.search(child.title):
            continue
        if child.level >= 4:
            drafts.append(_item(child, section))
        elif child.level == 3:
            _walk(child, child.title, drafts)
        else:
            _walk(child, section, drafts)


def _item(sec: md.Section, section: str | None) -> Draft:
    head = sec.heading.lines[0] if sec.heading else ""
    m = _ENTITY.match(head)
    entity = m.group("e").strip() if m else None
    title = md.strip_inline(m.group("rest")) if m and m.group("rest").strip() else md.strip_inline(head)
    url: str | None = None
    parts: list[str] = [f"[{entity}]"] if entity else []
    blocks = sec.all_blocks()
    for b in blocks:
        if b.kind == "item":
            first = b.lines[0]
            if _TIME.match(first):
                continue
            if _LINK_MARK.match(first):
                found = md.links_in(b.text)
                url = url or (found[0] if found else None)
                continue
            t = md.strip_inline(_SUMMARY_MARK.sub("", b.text))
        else:
            t = md.render([b])
        if t:
            parts.append(t)
    links = md.dedupe(md.block_links(blocks))
    return Draft(section, title, "\n\n".join(parts), url, links, MAIN)
