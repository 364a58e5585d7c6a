"""How good and how fast the entity tagger is, on the shared corpora (not part of the package).

* :func:`seed_scores` — precision/recall on the 57 hand-labelled seed items;
* :func:`redleafluan_agreement` — how often the tagger's entities of a redleafluan article
  (title + summary) contain the author's own ``entity`` label;
* :func:`tagging_speed` — items/s of :meth:`Tagger.tag` over every item of the corpora.

Run: ``.venv/bin/python notebooks/entity_eval.py [--corpus ../shared/corpus] [--verbose]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.entities import Gazetteer, Tagger  # noqa: E402
from kb.text import fold  # noqa: E402

SHARED = ROOT.parent / "shared"
GLOBS = ("seed/*.md", "shibing624/news/*.md", "dongyu/content/cn/*/*.md",
         "makinotes/digest/*/*.md", "redleafluan/reports/*.md")


def seed_items(corpus: Path) -> list[tuple[str, str]]:
    """(title, text) of the seed issue's items, via kb.formats (or a tiny fallback)."""
    path = corpus / "seed" / "2025-12-24.md"
    raw = path.read_text(encoding="utf-8")
    try:
        from kb.formats import parse_text

        items = parse_text(raw, path).items
        if len(items) == 57:
            return [(i.title, i.text) for i in items]
    except Exception:  # the parser is optional here: fall back to the splitter below
        pass
    return split_seed(raw)


def split_seed(raw: str) -> list[tuple[str, str]]:
    """Split the seed digest: ``###`` items, then each ``- `` bullet of ``## 更多动态``."""
    body = raw.split("\n---\n", 1)[1] if raw.startswith("---") else raw
    out: list[tuple[str, str]] = []
    more = False
    cur: list[str] | None = None
    for line in body.splitlines():
        if line.startswith("## "):
            more = line[3:].strip() == "更多动态"
            cur = None
        elif line.startswith("### "):
            out.append((line[4:].strip(), ""))
            cur = []
        elif more and line.startswith("- "):
            text = line[2:].strip()
            m = re.match(r"\[(.+?)\]\((.*?)\)[：:]?(.*)", text)
            out.append((m.group(1), m.group(3).strip()) if m else (text, ""))
        elif cur is not None and out:
            out[-1] = (out[-1][0], (out[-1][1] + "\n" + line).strip())
    return out


def seed_scores(tagger: Tagger, corpus: Path, eval_dir: Path, verbose: bool = False) -> dict:
    """Micro precision (vs entities ∪ mentions) and recall (vs entities) on the seed set."""
    gold = json.loads((eval_dir / "seed_items.json").read_text(encoding="utf-8"))
    alias_map = json.loads((eval_dir / "aliases.json").read_text(encoding="utf-8"))
    gz = tagger.gazetteer

    def canon(name: str) -> str:
        e = gz.resolve(name)
        if e is None:
            for k, vs in alias_map.items():
                if fold(name) in {fold(k), *map(fold, vs)}:
                    e = gz.resolve(k)
                    break
        return e.name if e else fold(name)

    items = seed_items(corpus)
    tp_p = n_pred = tp_r = n_gold = 0
    errors = []
    for (title, text), g in zip(items, gold):
        pred = {e.name for e in tagger.tag(title, text)}
        ents = {canon(x) for x in g["entities"]}
        ok = ents | {canon(x) for x in g["mentions"]}
        tp_p += len(pred & ok)
        n_pred += len(pred)
        tp_r += len(pred & ents)
        n_gold += len(ents)
        if pred - ok or ents - pred:
            errors.append({"pos": g["position"], "title": title,
                           "extra": sorted(pred - ok), "missed": sorted(ents - pred)})
    res = {"items": len(items), "precision": tp_p / max(n_pred, 1), "recall": tp_r / max(n_gold, 1),
           "predicted": n_pred, "gold": n_gold}
    if verbose:
        res["errors"] = errors
    return res


def redleafluan_agreement(corpus: Path, tagger: Tagger | None = None, verbose: bool = False) -> dict:
    """Share of redleafluan articles whose tags (title + summary) contain the author's entity.

    Reported twice: over all articles, and over those whose label the gazetteer knows
    (labels like ``Vibe Coding`` or ``AI教育`` are topics, not entities).
    """
    tagger = tagger or Tagger(Gazetteer.load())
    gz = tagger.gazetteer
    total = hit = known = known_hit = 0
    misses: list[tuple[str, str]] = []
    for f in sorted((corpus / "redleafluan/reports").glob("*.json")):
        for a in json.loads(f.read_text(encoding="utf-8"))["articles"]:
            label = a.get("entity") or ""
            if not label or label == "未知":
                continue
            total += 1
            tags = {e.name for e in tagger.tag(a.get("clean_title") or a.get("raw_title", ""),
                                               f"{a.get('raw_title', '')}\n{a.get('summary', '')}")}
            want = gz.resolve(label)
            if want is None:  # "谷歌DeepMind" style labels: every entity the label names
                want_names = {e.name for _, _, e in tagger.find(label)}
            else:
                want_names = {want.name}
            if want_names:
                known += 1
            if want_names and want_names <= tags:
                hit += 1
                known_hit += 1
            elif want_names:
                misses.append((label, a.get("clean_title", "")))
    res = {"articles": total, "agree_all": hit / max(total, 1),
           "labels_known": known, "agree_known": known_hit / max(known, 1)}
    if verbose:
        res["misses"] = misses
    return res


def corpus_items(corpus: Path) -> list[tuple[str, str]]:
    """Every item of the five corpora, via kb.formats when it works on a file."""
    from kb.formats import parse_text

    out: list[tuple[str, str]] = []
    for g in GLOBS:
        for p in sorted(corpus.glob(g)):
            try:
                out.extend((i.title, i.text) for i in parse_text(p.read_text(encoding="utf-8"), p).items)
            except Exception:  # pages that are not digests, parser gaps: skip
                continue
    return out


def tagging_speed(corpus: Path, repeat: int = 3) -> dict:
    """Items/s and µs/item of Tagger.tag over the whole corpus (parse time excluded)."""
    t0 = time.perf_counter()
    tagger = Tagger(Gazetteer.load())
    build = time.perf_counter() - t0
    items = corpus_items(corpus)
    chars = sum(len(t) + len(x) for t, x in items)
    best = float("inf")
    n_tags = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n_tags = sum(len(tagger.tag(t, x)) for t, x in items)
        best = min(best, time.perf_counter() - t0)
    return {"items": len(items), "chars": chars, "seconds": round(best, 3),
            "items_per_s": round(len(items) / best), "us_per_item": round(best / len(items) * 1e6, 1),
            "tags": n_tags, "build_s": round(build, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="entity tagger quality and speed")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--eval", type=Path, default=SHARED / "eval")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args(argv)
    tagger = Tagger(Gazetteer.load())
    print("seed:", json.dumps(seed_scores(tagger, args.corpus, args.eval, args.verbose),
                              ensure_ascii=False, indent=1))
    print("redleafluan:", json.dumps(redleafluan_agreement(args.corpus, tagger, args.verbose),
                                     ensure_ascii=False, indent=1))
    if not args.skip_speed:
        print("speed:", json.dumps(tagging_speed(args.corpus), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
