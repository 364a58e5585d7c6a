"""Front matter: split it off, read it, and survive the broken cases real archives contain.

Why a module of its own: every layout but two carries YAML (or Hugo TOML) front matter,
and it is where dates and titles come from.  Real files have values YAML rejects (an
unescaped quote inside a quoted multi-line ``description``), and a truncated file may
lose its closing ``---``.  Neither should cost the items of the issue, so we fall back
to a line reader and say so in a note; only a front matter with nothing after it is an
unrecoverable :class:`~kb.errors.ParseError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from kb.errors import ParseError

try:  # libyaml is ~10x faster than the pure-Python loader
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_KEY_LINE = re.compile(r"^([A-Za-z_][\w.-]*)\s*[:=]\s?(.*)$")
_HEADING_LINE = re.compile(r"^ {0,3}#{1,6}\s")


@dataclass
class FrontMatter:
    """Parsed front matter: ``data`` (keys -> values), the raw text, and how it was read."""

    data: dict[str, Any] = field(default_factory=dict)
    raw: str = ""
    fmt: str = "yaml"  # yaml | toml | lines (fallback reader)

    def get_str(self, key: str) -> str | None:
        v = self.data.get(key)
        if v is None:
            return None
        if isinstance(v, str):
            return v.strip()
        return str(v)


def split(text: str) -> tuple[FrontMatter | None, str, int, list[str]]:
    """Split ``text`` into (front matter or None, body, line index where the body starts, notes).

    Raises ParseError when a front matter is opened, never closed, and nothing follows it.
    """
    notes: list[str] = []
    if not (text.startswith("---") or text.startswith("+++")):
        return None, text, 0, notes
    first_nl = text.find("\n")
    first = (text if first_nl < 0 else text[:first_nl]).rstrip()
    fence = first[:3]
    if first != fence:  # "---- something": not a front matter fence
        return None, text, 0, notes
    lines = text.split("\n")
    closers = ("---", "...") if fence == "---" else ("+++",)
    end = None
    for k in range(1, len(lines)):
        if lines[k].rstrip() in closers:
            end = k
            break
    if end is not None:
        raw = "\n".join(lines[1:end])
        body_start = end + 1
    else:
        end = _recover_end(lines)
        raw = "\n".join(lines[1:end])
        body_start = end
        rest = "\n".join(lines[body_start:])
        if not rest.strip():
            raise ParseError(
                f"front matter opened with '{fence}' on line 1 is never closed and no text follows it "
                f"(truncated file?): add the closing '{fence}' line or restore the rest of the file"
            )
        notes.append(
            f"front matter has no closing '{fence}' line: read lines 2-{end} as front matter "
            f"and parsed the rest as the body"
        )
    fm = _read(raw, fence, notes)
    return fm, "\n".join(lines[body_start:]), body_start, notes


def _recover_end(lines: list[str]) -> int:
    """Where an unclosed front matter most plausibly ends: the first markdown heading,
    else the first line that does not look like YAML (``key: value``, indented, ``- x``)."""
    for k in range(1, len(lines)):
        if _HEADING_LINE.match(lines[k]):
            return k
    for k in range(1, len(lines)):
        ln = lines[k]
        if not ln.strip():
            continue
        if _KEY_LINE.match(ln) or ln.startswith((" ", "\t", "- ")):
            continue
        return k
    return len(lines)


def _read(raw: str, fence: str, notes: list[str]) -> FrontMatter:
    if fence == "+++":
        return FrontMatter(_read_lines(raw), raw, "toml")
    if not raw.strip():
        return FrontMatter({}, raw, "yaml")
    try:
        data = yaml.load(raw, Loader=_Loader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:  # 2025-13-45 is a ValueError
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        notes.append(f"front matter is not valid YAML{where}; read it line by line instead")
        return FrontMatter(_read_lines(raw), raw, "lines")
    if not isinstance(data, dict):
        notes.append("front matter is not a YAML mapping; read it line by line instead")
        return FrontMatter(_read_lines(raw), raw, "lines")
    return FrontMatter({str(k): v for k, v in data.items()}, raw, "yaml")


def _read_lines(raw: str) -> dict[str, Any]:
    """Tolerant ``key: value`` / ``key = value`` reader; continuation lines join the last key."""
    data: dict[str, Any] = {}
    last: str | None = None
    for ln in raw.split("\n"):
        m = _KEY_LINE.match(ln)
        if m and not ln.startswith((" ", "\t")):
            last = m.group(1)
            data[last] = _unquote(m.group(2).strip())
        elif last is not None and ln.strip():
            prev = data.get(last) or ""
            data[last] = (str(prev) + "\n" + _unquote(ln.strip())).strip()
    return data


def _unquote(v: str) -> str:
    """Drop an opening and a closing quote (a multi-line value has them on different lines)."""
    if v[:1] in "\"'":
        v = v[1:]
    if v[-1:] in "\"'":
        v = v[:-1]
    return v
