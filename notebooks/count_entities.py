"""Count candidate entity names over the shared corpora, so the gazetteer is built from counts.

The gazetteer (kb/data/gazetteer.yaml) must cover the most frequent companies, models,
products and people of the corpora.  This script is the evidence: it counts

* Latin-script names (``OpenAI``, ``GPT-5.2``, ``Claude Opus 4.5``), as runs of capitalised
  or digit-bearing tokens, counting each run and its first token;
* Chinese organisation-like names (``…科技``, ``…智能``, ``…集团``, ``…大学`` …);
* the seed lists: the redleafluan JSON ``entity`` field and the makinotes JSON ``source``;
* optionally (``--jieba``) jieba's POS tags ``nt`` (organisation), ``nr`` (person) and
  ``nz`` (other proper noun), which is slow (about a minute) and noisy.

It then prints the top list and, if the gazetteer loads, which of the top candidates the
tagger does NOT recognise (the to-do list for the next round of curation).

Usage::

    .venv/bin/python notebooks/count_entities.py [--corpus ../shared/corpus] [--top 300] [--jieba]
    .venv/bin/python notebooks/count_entities.py --agreement   # redleafluan entity agreement
    .venv/bin/python notebooks/count_entities.py --speed       # tagging items/s over the corpus
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Files that are digests (see shared/eval/README.md §1); dongyu en/ and daily/ twins excluded.
GLOBS = (
    "seed/*.md",
    "shibing624/news/*.md",
    "dongyu/content/cn/*/*.md",
    "makinotes/digest/*/*.md",
    "redleafluan/reports/*.md",
)

# Latin tokens that are words, not names, when they open a run.
STOP = set(
    """a an the and or of in on for to with by from at as is are be this that it its we our you
    your new how why what when ai api llm llms agi gpu gpus cpu app apps agent agents ceo cto
    cfo vs via pro max mini plus beta preview open source top link image video url http https
    www com cn html md png jpg gif svg pdf github x twitter weixin mp qq us uk eu ok no yes
    rag sdk ide ui ux mcp ppt sql json yaml k v b m rl sft moe tts asr ocr ar vr xr iot saas
    ipo ip tb pb gb mb token tokens prompt prompts coding code vibe skills skill cli arxiv
    paper papers blog news daily report index readme main brief summary data model models
    ai资讯图片 more read link url""".split()
)

LATIN_RUN = re.compile(
    r"(?<![A-Za-z0-9_/.#@-])"
    r"([A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*|[a-z]+[A-Z][A-Za-z0-9]*|[A-Za-z]+-?\d[\w.\-]*)"
    r"((?:[ \-](?:[A-Z][A-Za-z0-9]*(?:\.\d+)*|\d+(?:\.\d+)*[A-Za-z]?|[a-z]?\d+(?:\.\d+)*))*)"
)
CN_ORG = re.compile(
    r"([\u4e00-\u9fff]{2,6}?)(科技|智能|集团|公司|实验室|大学|研究院|研究所|资本|基金|银行|汽车|机器人)"
)
CN_PREFIX_TRIM = re.compile(r"^(?:据|由|与|和|及|是|在|对|向|把|被|将|让|为|从|联合|宣布|发布|旗下|推出)+")


def corpus_files(root: Path) -> list[Path]:
    """The digest files of the five corpora, in a stable order."""
    out: list[Path] = []
    for g in GLOBS:
        out.extend(sorted(root.glob(g)))
    return [p for p in out if p.name not in ("_index.md", "about.md")]


def strip_noise(text: str) -> str:
    """Drop URLs, image links and HTML so that link slugs do not count as names."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return text


def count_latin(texts: list[str]) -> collections.Counter[str]:
    """Count capitalised / versioned Latin runs and their head tokens."""
    c: collections.Counter[str] = collections.Counter()
    for t in texts:
        for m in LATIN_RUN.finditer(t):
            head, tail = m.group(1), m.group(2).strip()
            if head.lower() in STOP or len(head) < 2:
                continue
            c[head] += 1
            if tail:
                c[f"{head} {tail}".replace("  ", " ")] += 1
    return c


def count_cn_orgs(texts: list[str]) -> collections.Counter[str]:
    """Count Chinese names ending in an organisation suffix (科技, 集团, 大学 …)."""
    c: collections.Counter[str] = collections.Counter()
    for t in texts:
        for m in CN_ORG.finditer(t):
            name = CN_PREFIX_TRIM.sub("", m.group(1)) + m.group(2)
            if len(name) >= 4:
                c[name] += 1
    return c


def count_jieba(texts: list[str]) -> dict[str, collections.Counter[str]]:
    """jieba POS nt/nr/nz counts (slow; optional)."""
    import jieba.posseg as pseg  # imported here: slow to load and only needed with --jieba

    out = {k: collections.Counter() for k in ("nt", "nr", "nz")}
    for t in texts:
        for w, flag in pseg.cut(t):
            if flag in out and len(w) >= 2:
                out[flag][w] += 1
    return out


def seed_lists(root: Path) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """The redleafluan ``entity`` and makinotes ``source`` fields, counted."""
    red: collections.Counter[str] = collections.Counter()
    for f in sorted((root / "redleafluan/reports").glob("*.json")):
        for a in json.loads(f.read_text(encoding="utf-8"))["articles"]:
            red[a["entity"]] += 1
    mak: collections.Counter[str] = collections.Counter()
    for f in sorted((root / "makinotes/api").glob("*.json")):
        for a in json.loads(f.read_text(encoding="utf-8"))["articles"]:
            mak[a["source"]] += 1
    return red, mak


def occurrences(texts: list[str], names: list[str]) -> collections.Counter[str]:
    """Raw substring counts of seed names in the corpus (how often the author's labels occur)."""
    c: collections.Counter[str] = collections.Counter()
    joined = "\n".join(texts)
    for n in names:
        if len(n) >= 2:
            c[n] = joined.count(n)
    return c


def show(title: str, counter: collections.Counter[str], n: int) -> None:
    print(f"\n== {title} (top {n}) ==")
    print(", ".join(f"{k}:{v}" for k, v in counter.most_common(n)))


def coverage(candidates: list[tuple[str, int]], texts: list[str]) -> None:
    """Mark which top candidates the gazetteer recognises, then rank its canonicals by how
    often the tagger finds them in the raw corpus text."""
    try:
        from kb.entities import Gazetteer, Tagger
    except Exception as e:  # the gazetteer is being written; counting must still work
        print(f"\n(gazetteer not loadable: {e})")
        return
    gz = Gazetteer.load()
    tagger = Tagger(gz)
    print(f"\n== merged top {len(candidates)} candidates (+ = the gazetteer recognises it) ==")
    miss = []
    for i, (name, cnt) in enumerate(candidates, 1):
        found = [e.name for _, _, e in tagger.find(name)] or ([gz.resolve(name).name] if gz.resolve(name) else [])
        mark = "+" if found else " "
        if not found:
            miss.append(f"{name}:{cnt}")
        print(f"{i:4d} {cnt:6d} {mark} {name}" + (f"  -> {', '.join(dict.fromkeys(found))}" if found else ""))
    print(f"\nnot recognised ({len(miss)}; mostly generic words, languages, section labels): "
          + ", ".join(miss))
    mentions: collections.Counter[str] = collections.Counter()
    for t in texts:
        for _, _, e in tagger.find(t):
            mentions[e.name] += 1
    listed = [(n, mentions[n]) for n in gz.entities]
    listed.sort(key=lambda x: -x[1])
    print(f"\n== gazetteer canonicals by corpus mentions ({len(gz.entities)} canonicals: "
          f"{dict(collections.Counter(e.type for e in gz.entities.values()))}) ==")
    print(", ".join(f"{n}:{c}" for n, c in listed))
    synth = [(n, c) for n, c in mentions.most_common() if n not in gz.entities]
    print(f"\n== model versions found through families, not listed ({len(synth)}) ==")
    print(", ".join(f"{n}:{c}" for n, c in synth[:150]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--top", type=int, default=300)
    ap.add_argument("--jieba", action="store_true", help="also count jieba nt/nr/nz (slow)")
    ap.add_argument("--agreement", action="store_true", help="redleafluan entity agreement")
    ap.add_argument("--speed", action="store_true", help="tagging speed over the corpus")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    if args.agreement:
        from notebooks.entity_eval import redleafluan_agreement

        print(json.dumps(redleafluan_agreement(args.corpus), ensure_ascii=False, indent=1))
        return 0
    if args.speed:
        from notebooks.entity_eval import tagging_speed

        print(json.dumps(tagging_speed(args.corpus), indent=1))
        return 0

    t0 = time.perf_counter()
    texts = [strip_noise(p.read_text(encoding="utf-8", errors="replace"))
             for p in corpus_files(args.corpus)]
    print(f"{len(texts)} files, {sum(map(len, texts)):,} characters")
    latin = count_latin(texts)
    cn = count_cn_orgs(texts)
    red, mak = seed_lists(args.corpus)
    red_occ = occurrences(texts, [k for k in red if k != "未知"])
    mak_occ = occurrences(texts, list(mak))
    show("Latin names and model versions", latin, args.top)
    show("Chinese organisation-like names", cn, 150)
    show("redleafluan entity labels (articles)", red, 150)
    show("redleafluan entity labels (corpus occurrences)", red_occ, 150)
    show("makinotes sources (corpus occurrences)", mak_occ, 60)
    if args.jieba:
        for flag, c in count_jieba(texts).items():
            show(f"jieba {flag}", c, 200)

    # One merged candidate list: each source scored by its corpus count.
    merged: collections.Counter[str] = collections.Counter()
    merged.update(dict(latin.most_common(args.top * 2)))
    merged.update(dict(cn.most_common(args.top)))
    merged.update({k: v for k, v in red_occ.items() if v >= 5})
    merged.update({k: v for k, v in mak_occ.items() if v >= 5})
    coverage(merged.most_common(args.top), texts)
    print(f"\n({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
