"""The curated gazetteer: canonical entities, their aliases, context rules and model families.

Data lives in ``kb/data/gazetteer.yaml`` (format described in its header); users can add
files of the same format, which are merged on top.  Everything here is built once per
process and shared by the tagger (:mod:`kb.entities`) and the search.

Why families: model names come in endless versions (``GLM-4.7``, ``glm 4.7``, ``Claude 4.5
Sonnet``).  Listing every spelling is hopeless, so a family is a name regex + version regex
+ optional tier words, and every spelling parses to one key ``(family, version, tier)``.
Versions the gazetteer does not list are still tagged, as a synthesised entity whose parent
is the family.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import yaml

from kb.errors import KBError
from kb.models import ENTITY_TYPES, Entity
from kb.text import fold_char

LATIN = "a-z0-9\u00c0-\u024f"  # a name touching one of these is inside another word
SEP = r"[\s\-_/]?"
# A version must not run on into a longer number, a decimal, a parameter size or a
# Chinese counter ("GPT 8亿用户", "Gemini 3月"): then it is not a version.
UNITS = "[亿万千百个年月日号%倍元人次分秒天周岁位名家款项条种只台美]"
VERSION_END = rf"(?!\d|\.\d|[bdk](?![a-z])|\s?{UNITS})"
SUFFIXES = (
    "(?:preview|exp|instruct|thinking|think|chat|base|high|max|lite|plus|mini|nano|pro|turbo"
    "|flash|coder|code|vl|omni|air|ultra|reasoning|fast|heavy|codex|image|video|audio|tts|asr)"
)
# Characters folded beyond kb.text.fold, one for one so offsets stay aligned.
_EXTRA_FOLD = {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"} | {
    c: "·" for c in "\u2022\u30fb\u2027\u2219\u00b7\uff65"
}


class _FoldTable(dict):
    """str.translate table that folds one character at a time, filled on demand.

    Same result as :func:`kb.text.fold_aligned` (plus a few dash/dot unifications) but
    runs in C: tagging folds every character of the corpus, so this matters.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in _EXTRA_FOLD:
            out = _EXTRA_FOLD[ch]
        else:
            f = fold_char(ch)
            low = ch.lower()
            out = f if len(f) == 1 else low if len(low) == 1 else ch
        self[code] = out
        return out


_TABLE = _FoldTable()


def fold_text(text: str) -> str:
    """Fold text for matching; offsets in the result equal offsets in ``text``."""
    return text.translate(_TABLE)


def squash(key: str) -> str:
    """A folded name without spaces, hyphens and dots: the loose key that ``resolve`` falls
    back on, so that ``Quest Mobile`` finds ``QuestMobile``."""
    return re.sub(r"[\s\-_.·/]+", "", key)


@dataclass(frozen=True)
class ContextRule:
    """When an ambiguous alias counts.

    ``near``: one of these (folded) anchors must occur within ``window`` characters;
    ``not_near``: none of them may.  ``unless``: (trap, offset) pairs: the alias does not
    count where it is part of the trap (``板上钉钉`` for ``钉钉``).  ``case``: the exact
    spellings allowed in the original text.
    """

    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    window: int = 60
    unless: tuple[tuple[str, int], ...] = ()
    case: tuple[str, ...] = ()


@dataclass
class Family:
    """A model family: how its versions are spelled and how they are named."""

    entity: str  # canonical name of the family (an entity in the gazetteer)
    names: tuple[str, ...]  # folded spellings of the family name
    version: str = r"\d{1,2}(?:\.\d{1,2})*"
    fmt: str = "{family} {version}"
    tier_fmt: str = "{family} {version} {tier}"
    tiers: dict[str, str] = field(default_factory=dict)  # folded -> display
    tier_first: bool = False  # "Claude Sonnet 4.5" as well as "Claude 4.5 Sonnet"
    bare_tiers: bool = False  # "Sonnet 4.5" alone is enough
    collapse: bool = False  # every version is the family itself (MiniCPM, MiMo)
    decimals: int = 0  # display at least this many decimals (文心5.0)
    prefix: str = ""  # letter shown before the number (MiniMax "M2.1")
    upper: bool = False  # upper-case letters in the version (DeepSeek "V3")
    regex: re.Pattern[str] | None = None
    bare_regex: re.Pattern[str] | None = None

    def compile(self) -> None:
        """Build the regexes matched at a candidate position of folded text."""
        names = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))
        tiers = "|".join(re.escape(t) for t in sorted(self.tiers, key=len, reverse=True))
        # After the version: a tier, or no letter, or a known suffix ("5.0Preview");
        # "GPT4All" and "Wan2GP" are other names, not versions.
        end = f"(?![a-z])|(?={SUFFIXES}(?![a-z]))"
        tail = f"(?:{SEP}(?P<t2>{tiers})(?![{LATIN}])|{end})" if tiers else f"(?:{end})"
        head = f"(?:{SEP}(?P<t1>{tiers}))?" if tiers and self.tier_first else ""
        ver = f"{SEP}(?P<v>{self.version}){VERSION_END}"
        self.regex = re.compile(f"(?:{names}){head}{ver}{tail}")
        if self.bare_tiers and tiers:
            self.bare_regex = re.compile(f"(?P<t1>{tiers}){SEP}(?P<v>{self.version}){VERSION_END}(?:{end})")

    def key(self, version: str, tier: str | None) -> tuple[str, str, str]:
        """The identity of a version: ``Gemini 3.0 Pro`` and ``gemini-3-pro`` share it."""
        num = version.lower()
        if self.prefix and num.startswith(self.prefix.lower()):
            num = num[len(self.prefix):]
        while re.search(r"\.0$", num):
            num = num[:-2]
        return (self.entity, num, tier or "")

    def display(self, version: str, tier: str | None) -> str:
        """The synthesised canonical name of a version the gazetteer does not list."""
        _, num, _ = self.key(version, tier)
        if self.decimals and "." not in num and num[-1:].isdigit():
            num += ".0"
        num = self.prefix + (num.upper() if self.upper else num)
        if tier:
            return self.tier_fmt.format(family=self.entity, version=num, tier=self.tiers[tier])
        return self.fmt.format(family=self.entity, version=num)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)]
    return [str(v) for v in value]


def _variants(alias: str) -> set[str]:
    """Spacing variants of a folded multi-part alias: ``claude code`` / ``claude-code`` /
    ``claudecode``; writers join names every way."""
    parts = [p for p in re.split(r"[\s\-]+", alias) if p]
    if len(parts) < 2 or len(parts) > 4:
        return {alias}
    out = {alias, " ".join(parts), "-".join(parts)}
    if all(len(p) > 1 for p in parts):
        out.add("".join(parts))
    return out


class GazetteerError(KBError, ValueError):
    """A gazetteer file that cannot be used; the message names the file and entry."""


@dataclass
class _Record:
    name: str
    type: str
    parent: str | None
    aliases: list[str]
    context: dict[str, dict[str, Any]]


class Gazetteer:
    """Canonical entities, alias lookup and model families.

    ``entities`` maps canonical name -> :class:`Entity`.  ``aliases`` maps every folded
    alias (and spacing variant) to its canonical name; no alias has two canonicals.
    """

    def __init__(self, records: Sequence[_Record], families: Sequence[Family]) -> None:
        self.entities: dict[str, Entity] = {}
        self.aliases: dict[str, str] = {}
        self.rules: dict[str, ContextRule] = {}
        self.families: dict[str, Family] = {f.entity: f for f in families}
        self.conflicts: list[tuple[str, str, str]] = []  # (alias, kept, dropped)
        self._loose: dict[str, str | None] = {}
        self._versions: dict[tuple[str, str, str], str] = {}
        self._synth: dict[tuple[str, str, str], Entity] = {}
        self._synth_names: dict[str, Entity] = {}
        for r in records:
            self.entities[r.name] = Entity(r.name, r.type, tuple(r.aliases), r.parent)
        explicit: dict[str, str] = {}
        for r in records:
            for a in [r.name, *r.aliases]:
                k = fold_text(a).strip()
                if k in explicit and explicit[k] != r.name:
                    self.conflicts.append((a, explicit[k], r.name))
                    if k == fold_text(r.name):  # a canonical name beats someone's alias
                        explicit[k] = r.name
                    continue
                explicit[k] = r.name
        self.aliases = dict(explicit)
        for k, name in explicit.items():
            for v in _variants(k):
                self.aliases.setdefault(v, name)
            sq = squash(k)
            if sq and self._loose.get(sq, name) != name:
                self._loose[sq] = None  # ambiguous: the loose key is not used
            else:
                self._loose.setdefault(sq, name)
        for r in records:
            for alias, spec in r.context.items():
                key = fold_text(alias).strip()
                rule = _rule(alias, spec or {})
                self.rules[key] = _merge_rules(self.rules[key], rule) if key in self.rules else rule
        for f in families:
            f.compile()
            if f.entity not in self.entities:
                raise GazetteerError(f"family {f.entity!r} has no entity of that name")
        # Every listed model spelling that parses as a family version pins that version.
        for e in self.entities.values():
            if e.type != "model":
                continue
            for a in (e.name, *e.aliases):
                key = self.parse_model(fold_text(a).strip(), whole=True)
                if key and key[0] != e.name:
                    self._versions.setdefault(key, e.name)

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def load(cls, extra: Sequence[Path | str] = ()) -> "Gazetteer":
        """The package gazetteer plus user files; later files add aliases and entities.

        An entry whose name is an existing canonical (or one of its aliases) merges into it:
        its aliases are added and its type/parent, if given, replace the old ones.  An alias
        a user lists under another canonical moves there.
        """
        text = resources.files("kb").joinpath("data/gazetteer.yaml").read_text(encoding="utf-8")
        docs = [("kb/data/gazetteer.yaml", yaml.safe_load(text) or {})]
        for p in extra:
            path = Path(p)
            try:
                docs.append((str(path), yaml.safe_load(path.read_text(encoding="utf-8")) or {}))
            except (OSError, yaml.YAMLError) as e:
                raise GazetteerError(f"cannot read gazetteer {path}: {e}") from e
        records: dict[str, _Record] = {}
        owner: dict[str, str] = {}  # folded alias -> canonical, to merge user entries
        families: dict[str, Family] = {}
        for src, doc in docs:
            if not isinstance(doc, dict):
                raise GazetteerError(f"{src}: expected a mapping with 'entities' (and 'families')")
            for i, raw in enumerate(doc.get("entities") or []):
                _merge(records, owner, raw, f"{src}: entities[{i}]", user=src != docs[0][0])
            for i, raw in enumerate(doc.get("families") or []):
                fam = _family(raw, f"{src}: families[{i}]")
                families[fam.entity] = fam
        return cls(list(records.values()), list(families.values()))

    # -- lookup --------------------------------------------------------------------------

    def get(self, name: str) -> Entity | None:
        """The entity with this canonical name (synthesised versions included)."""
        return self.entities.get(name) or self._synth_names.get(name)

    def resolve(self, alias: str) -> Entity | None:
        """Any alias, canonical name or model spelling (``glm 4.7``) -> entity."""
        k = fold_text(unicodedata.normalize("NFKC", alias)).strip()
        if not k:
            return None
        if k in self.aliases:
            return self.entities[self.aliases[k]]
        key = self.parse_model(k, whole=True)
        if key:
            return self.model(key)
        loose = self._loose.get(squash(k))
        if loose:
            return self.entities[loose]
        # "Qwen3-235B-A22B", "GLM-4.7-FP8": a version followed by size or build suffixes.
        cuts = [m.start() for m in re.finditer(r"[\s\-_/]", k)]
        for cut in reversed(cuts):
            key = self.parse_model(k[:cut], whole=True)
            if key:
                return self.model(key)
        return None

    def parse_model(self, folded: str, pos: int = 0, whole: bool = False) -> tuple[str, str, str] | None:
        """Parse a family version at ``pos`` of folded text; ``whole`` = it must be all."""
        best: tuple[int, tuple[str, str, str]] | None = None
        for fam in self.families.values():
            for rx in (fam.regex, fam.bare_regex):
                if rx is None:
                    continue
                m = rx.fullmatch(folded, pos) if whole else rx.match(folded, pos)
                if m and (best is None or m.end() > best[0]):
                    tier = m.groupdict().get("t1") or m.groupdict().get("t2")
                    best = (m.end(), fam.key(m.group("v"), tier))
        return best[1] if best else None

    def model(self, key: tuple[str, str, str]) -> Entity:
        """The entity of a parsed version: listed, the family itself, or synthesised."""
        fam = self.families[key[0]]
        if fam.collapse:
            return self.entities[fam.entity]
        name = self._versions.get(key)
        if name:
            return self.entities[name]
        if key not in self._synth:
            display = fam.display(key[1], key[2] or None)
            ent = self.entities.get(display) or Entity(display, "model", (), fam.entity)
            self._synth[key] = ent
            self._synth_names.setdefault(display, ent)
        return self._synth[key]

    def ancestors(self, name: str) -> list[Entity]:
        """Parent chain of an entity, nearest first (cycles are cut)."""
        out: list[Entity] = []
        seen = {name}
        e = self.get(name)
        while e is not None and e.parent and e.parent not in seen:
            seen.add(e.parent)
            e = self.entities.get(e.parent)
            if e is not None:
                out.append(e)
        return out


def _rule(alias: str, spec: dict[str, Any]) -> ContextRule:
    """Compile one context rule; traps are stored with the alias' offset inside them."""
    a = fold_text(alias).strip()
    unless = []
    for trap in _as_list(spec.get("unless")):
        t = fold_text(trap)
        start = t.find(a)
        while start >= 0:
            unless.append((t, start))
            start = t.find(a, start + 1)
    case = _as_list(spec.get("case"))
    if spec.get("case") is True:
        case = [alias]
    return ContextRule(
        near=tuple(fold_text(n) for n in _as_list(spec.get("near"))),
        not_near=tuple(fold_text(n) for n in _as_list(spec.get("not_near"))),
        window=int(spec.get("window", 60)),
        unless=tuple(unless),
        case=tuple(unicodedata.normalize("NFKC", c) for c in case if c is not True),
    )


def _merge_rules(a: ContextRule, b: ContextRule) -> ContextRule:
    """Two rules for one folded alias (``Arm`` and ``ARM``): allow what either allows."""
    return ContextRule(
        near=a.near + b.near if a.near and b.near else (),
        not_near=tuple(sorted(set(a.not_near) & set(b.not_near))),
        window=max(a.window, b.window),
        unless=tuple(sorted(set(a.unless) & set(b.unless))),
        case=a.case + b.case if a.case and b.case else (),
    )


def _merge(records: dict[str, _Record], owner: dict[str, str], raw: Any, where: str, user: bool) -> None:
    """Add one YAML entity entry, merging it into an existing canonical if it names one."""
    if not isinstance(raw, dict) or not raw.get("name"):
        raise GazetteerError(f"{where}: an entity needs at least a 'name'")
    name = str(raw["name"]).strip()
    typ = raw.get("type")
    if typ is not None and typ not in ENTITY_TYPES:
        raise GazetteerError(f"{where}: type {typ!r} is not one of {', '.join(ENTITY_TYPES)}")
    aliases = [a.strip() for a in _as_list(raw.get("aliases")) if a.strip()]
    context = raw.get("context") or {}
    if not isinstance(context, dict):
        raise GazetteerError(f"{where}: 'context' must map an alias to a rule")
    target = name if name in records else owner.get(fold_text(name).strip()) if user else None
    if target is None:
        if typ is None:
            raise GazetteerError(f"{where}: new entity {name!r} needs a 'type'")
        records[name] = _Record(name, typ, raw.get("parent"), [], {})
        target = name
    rec = records[target]
    if target != name:
        aliases.insert(0, name)
    if typ is not None:
        rec.type = typ
    if raw.get("parent") is not None:
        rec.parent = raw.get("parent")
    for a in aliases:
        k = fold_text(a).strip()
        prev = owner.get(k)
        if prev and prev != target and user:  # the user's word wins: move the alias
            records[prev].aliases = [x for x in records[prev].aliases if fold_text(x).strip() != k]
        if k != fold_text(rec.name) and a not in rec.aliases:
            rec.aliases.append(a)
        owner[k] = target
    owner[fold_text(rec.name).strip()] = target
    rec.context.update(context)


def _family(raw: Any, where: str) -> Family:
    """One YAML family entry -> :class:`Family` (validated, not yet compiled)."""
    if not isinstance(raw, dict) or not raw.get("family") or not raw.get("names"):
        raise GazetteerError(f"{where}: a family needs 'family' and 'names'")
    tiers = {fold_text(t): t for t in _as_list(raw.get("tiers"))}
    for t, display in list(tiers.items()):  # "Flash-Lite" also as "flash lite"
        for v in sorted(_variants(t)):
            tiers.setdefault(v, display)
    fam = Family(
        entity=str(raw["family"]),
        names=tuple(sorted({v for n in _as_list(raw["names"]) for v in _variants(fold_text(n))})),
        fmt=raw.get("format", "{family} {version}"),
        tier_fmt=raw.get("tier_format", raw.get("format", "{family} {version}") + " {tier}"),
        tiers=tiers,
        tier_first=bool(raw.get("tier_first", False)),
        bare_tiers=bool(raw.get("bare_tiers", False)),
        collapse=bool(raw.get("collapse", False)),
        decimals=int(raw.get("decimals", 0)),
        prefix=str(raw.get("prefix", "")),
        upper=bool(raw.get("upper", False)),
    )
    if raw.get("version"):
        fam.version = str(raw["version"])
    try:
        fam.compile()
    except re.error as e:
        raise GazetteerError(f"{where}: bad regex: {e}") from e
    return fam
