"""Markdown blocks for digest files: a one-pass, line-based block splitter and heading tree.

Why not a full CommonMark AST: digests are flat (headings, paragraphs, one level of lists,
the odd table or ``<video>`` tag) and ingest must parse hundreds of issues per second.
A single pass over the lines with a few anchored regexes is linear in the input and fast
enough; markdown-it-py would cost several times more for structure we then throw away.

Deliberate simplifications (documented so nobody is surprised):

* no setext headings: a ``---`` line is always a thematic break (digests use it as an
  item separator right under a paragraph, where CommonMark would make a heading);
* a heading needs a space after the ``#`` marks, so hashtags like ``#开源 #AI`` stay text;
* any list marker may interrupt a paragraph, and list items take lazy continuation lines;
* only block-level HTML tags (``<video>``, ``<div>``, ...) start an HTML block; inline tags
  (``<br/>``, ``<img>``) stay inside their paragraph and are stripped from readable text;
* a code fence that is never closed is ignored (one real issue lost its opening fence, and
  a fence running to the end of the file would swallow every item).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)")
_HTML_BLOCK = re.compile(
    r"^ {0,3}</?(?:video|div|p|table|thead|tbody|tr|td|th|details|summary|figure|figcaption"
    r"|section|article|center|audio|source|picture|iframe|h[1-6]|ul|ol|li|blockquote|hr|pre"
    r"|header|footer|nav|main|aside)(?:[\s/>]|$)|^ {0,3}<!--",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Block:
    """One block of a markdown body.

    kind: heading | para | item | quote | fence | table | html | hr.
    ``lines`` are the raw content lines (heading: one line, its text; list item: the
    item's content lines with the marker and continuation indent removed).
    """

    kind: str
    lines: list[str]
    level: int = 0  # heading level; list item: indent of its marker
    marker: str = ""  # list marker: "-", "*", "+", "1.", "2)"
    line_no: int = 0  # 0-based index of the first line in the parsed text
    info: str = ""  # fence info string

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def ordered(self) -> bool:
        return self.marker[:1].isdigit()

    @property
    def number(self) -> int | None:
        return int(self.marker[:-1]) if self.ordered else None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _interrupts(line: str) -> bool:
    """True if ``line`` starts a new block even right after a paragraph line."""
    s = line.lstrip(" ")
    if not s or _indent(line) > 3:
        return False
    c = s[0]
    if c == "#":
        return _HEADING.match(line) is not None
    if c in "`~":
        return _FENCE.match(line) is not None
    if c in "-*_+":
        return _HR.match(line) is not None or _LIST.match(line) is not None
    if c.isdigit():
        return _LIST.match(line) is not None
    if c == ">" or c == "|":
        return True
    if c == "<":
        return _HTML_BLOCK.match(line) is not None
    return False


def parse_blocks(text: str | list[str], offset: int = 0) -> list[Block]:
    """Split markdown into top-level blocks in one pass over the lines."""
    lines = text.split("\n") if isinstance(text, str) else text
    blocks: list[Block] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        if "\t" in line:
            line = line.expandtabs(4)
        s = line.strip()
        if not s:
            i += 1
            continue
        start = i
        c = s[0]
        if _indent(line) <= 3:
            if c == "#":
                m = _HEADING.match(line)
                if m:
                    blocks.append(Block("heading", [(m.group(2) or "").strip()], len(m.group(1)),
                                        line_no=offset + i))
                    i += 1
                    continue
            if c in "`~":
                m = _FENCE.match(line)
                if m:
                    fence = m.group(2)
                    body: list[str] = []
                    j = i + 1
                    closed = False
                    while j < n:
                        t = lines[j].strip()
                        if t.startswith(fence[0] * len(fence)) and not t.strip(fence[0]):
                            closed = True
                            break
                        body.append(lines[j])
                        j += 1
                    if closed:  # an unclosed fence (a lost opening ```) must not eat the file
                        blocks.append(Block("fence", body, line_no=offset + start, info=m.group(3).strip()))
                        i = j + 1
                    else:
                        i += 1
                    continue
            if c in "-*_" and _HR.match(line):
                blocks.append(Block("hr", [], line_no=offset + i))
                i += 1
                continue
            if c in "-*+" or c.isdigit():
                m = _LIST.match(line)
                if m:
                    i = _read_item(lines, i, m, blocks, offset)
                    continue
            if c == ">":
                body = []
                while i < n and lines[i].lstrip(" ").startswith(">"):
                    t = lines[i].lstrip(" ")[1:]
                    body.append(t[1:] if t.startswith(" ") else t)
                    i += 1
                blocks.append(Block("quote", body, line_no=offset + start))
                continue
            if c == "|":
                body = []
                while i < n and lines[i].lstrip(" ").startswith("|"):
                    body.append(lines[i].strip())
                    i += 1
                blocks.append(Block("table", body, line_no=offset + start))
                continue
            if c == "<" and _HTML_BLOCK.match(line):
                body = []
                while i < n and lines[i].strip():
                    body.append(lines[i])
                    i += 1
                blocks.append(Block("html", body, line_no=offset + start))
                continue
        # paragraph (indented code is not a thing in digests: treat it as text)
        body = [s]
        i += 1
        while i < n:
            t = lines[i]
            if not t.strip() or _interrupts(t):
                break
            body.append(t.strip())
            i += 1
        blocks.append(Block("para", body, line_no=offset + start))
    return blocks


def _read_item(lines: list[str], i: int, m: re.Match[str], blocks: list[Block], offset: int) -> int:
    indent = len(m.group(1))
    marker = m.group(2)
    spaces = m.group(3)
    rest = lines[i][m.end():]
    if not rest.strip() or len(spaces) > 4:
        width = indent + len(marker) + 1
        content = lines[i][width:] if len(lines[i]) > width else ""
    else:
        width = m.end()
        content = rest
    body = [content.rstrip()]
    start = i
    n = len(lines)
    i += 1
    while i < n:
        t = lines[i]
        if not t.strip():
            j = i + 1
            while j < n and not lines[j].strip():
                j += 1
            if j < n and _indent(lines[j]) >= width:
                body.extend("" for _ in range(i, j))
                i = j
                continue
            break
        if _indent(t) >= width:
            body.append(t[width:].rstrip())
            i += 1
            continue
        if _interrupts(t):
            break
        body.append(t.strip())  # lazy continuation
        i += 1
    blocks.append(Block("item", body, indent, marker, offset + start))
    return i


@dataclass
class Section:
    """A heading and the blocks up to the next heading of the same or a higher level."""

    heading: Block | None
    blocks: list[Block] = field(default_factory=list)  # own blocks, before any sub-heading
    children: list[Section] = field(default_factory=list)

    @property
    def level(self) -> int:
        return self.heading.level if self.heading else 0

    @property
    def title(self) -> str:
        """The heading as readable text (markup stripped)."""
        return _strip(self.heading.lines[0]) if self.heading else ""

    def all_blocks(self) -> list[Block]:
        out = list(self.blocks)
        for c in self.children:
            if c.heading is not None:
                out.append(c.heading)
            out.extend(c.all_blocks())
        return out


def section_tree(blocks: list[Block]) -> Section:
    """Nest blocks under their headings (level 0 is the root: text before any heading)."""
    root = Section(None)
    stack = [root]
    for b in blocks:
        if b.kind == "heading":
            while len(stack) > 1 and stack[-1].level >= b.level:
                stack.pop()
            sec = Section(b)
            stack[-1].children.append(sec)
            stack.append(sec)
        else:
            stack[-1].blocks.append(b)
    return root


def _strip(text: str) -> str:
    from kb.formats.markdown import strip_inline  # late import: markdown imports this module

    return strip_inline(text)
