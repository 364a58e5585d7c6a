"""`kb bench`: ingest and query performance at archive scale, measured, never assumed.

Builds a corpus of at least N items by copying ``../shared/corpus`` in epochs whose dates
are shifted by whole years, ingests it (without and then with vectors), and measures
index size, cold start, peak RSS and per-mode latency over 200+ queries in a fresh
process, plus the time to ingest one new daily issue into the full store.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .config import Settings

DATE = re.compile(r"(20\d\d)([-/年.])(\d{1,2})")


def _shift(text: str, years: int) -> str:
    return DATE.sub(lambda m: f"{int(m.group(1)) + years}{m.group(2)}{m.group(3)}", text) if years else text


def build_corpus(src: Path, dest: Path, min_items: int, items_per_epoch: int) -> int:
    """Copy ``src`` into ``dest`` as many times as needed, each copy ``3*epoch`` years later.
    Returns the number of epochs."""
    files = [p for p in src.rglob("*") if p.is_file() and p.suffix.lower() in (".md", ".markdown")]
    epochs = max(1, -(-min_items // max(1, items_per_epoch)))
    for e in range(epochs):
        for p in files:
            rel = p.relative_to(src)
            out = dest / f"epoch{e}" / _shift(str(rel), 3 * e)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(_shift(p.read_bytes().decode("utf-8", "replace"), 3 * e).encode("utf-8"))
    return epochs


def _dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def bench_queries(db_dir: Path, n: int) -> list[str]:
    """Realistic queries: the eval set's texts when present, plus entity names and title
    fragments from the store itself."""
    from .store import Store

    queries: list[str] = []
    eval_file = Path(__file__).resolve().parents[2] / "shared" / "eval" / "queries.jsonl"
    if eval_file.is_file():
        queries += [json.loads(l)["query"] for l in eval_file.read_text("utf-8").splitlines() if l.strip()]
    with Store.open(db_dir / "kb.sqlite3") as store:
        queries += [e["name"] for e in store.entities()[: n // 3]]
        for (title,) in store.conn.execute("SELECT title FROM items ORDER BY random() LIMIT ?", (n,)):
            queries.append(title[:12])
            if len(queries) >= n:
                break
    return queries[:n]


def serve_latency(db: str, queries_file: str, k: int = 10) -> dict:
    """Runs in a fresh process: cold start, then per-mode latency, then peak RSS."""
    t0 = time.perf_counter()
    from .config import load_settings
    from .search import Searcher

    searcher = Searcher(load_settings(db))
    searcher.search("智谱 GLM-4.7", k=k)
    cold = time.perf_counter() - t0
    queries = json.loads(Path(queries_file).read_text("utf-8"))
    out: dict = {"cold_start_s": round(cold, 2), "p50_ms": {}, "p95_ms": {}, "queries": len(queries)}
    for mode in ("hybrid", "bm25", "dense"):
        times = []
        for q in queries:
            t = time.perf_counter()
            searcher.search(q, k=k, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out["p50_ms"][mode] = round(times[len(times) // 2], 1)
        out["p95_ms"][mode] = round(times[int(len(times) * 0.95) - 1], 1)
    out["rss_mb"] = peak_rss_mb()
    return out


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not getrusage: Linux carries ru_maxrss over exec,
    so a process started by the (large) bench process would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_bench(
    settings: Settings,
    corpus: Path,
    *,
    min_items: int = 50_000,
    n_queries: int = 240,
    workdir: Path | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> dict:
    from .entities import default_tagger
    from .index import update_indexes
    from .ingest import ingest
    from .store import Store

    work = Path(workdir or tempfile.mkdtemp(prefix="kb-bench-"))
    src, db_dir = work / "corpus", work / "db"
    shutil.rmtree(work, ignore_errors=True)
    tagger = default_tagger()
    bench_settings = Settings(db_dir=db_dir, embed_model=settings.embed_model, chroma_url=None)

    # 1. one copy of the shared corpus: the parse + tag + store rate over real issues
    log("ingesting one copy of the corpus (parse + tag + store)")
    build_corpus(corpus, work / "one", 1, 10**9)
    with Store.create(work / "one-db" / "kb.sqlite3") as store:
        t = time.perf_counter()
        rep = ingest([work / "one"], store, tagger)
        parse_s = time.perf_counter() - t
        per_epoch = store.item_count()
        t = time.perf_counter()
        again = ingest([work / "one"], store, tagger)
        rerun_s = time.perf_counter() - t
    issues_one = rep.count("added")

    # 2. the big corpus, without vectors, then its vectors
    epochs = build_corpus(corpus, src, min_items, per_epoch)
    log(f"ingesting {epochs} shifted copies without vectors")
    with Store.create(bench_settings.store_path) as store:
        t = time.perf_counter()
        ingest([src], store, tagger)
        update_indexes(bench_settings, store, tagger, vectors=False)
        no_vec_s = time.perf_counter() - t
        items = store.item_count()
        log(f"embedding {items} items with {settings.embed_model}")
        t = time.perf_counter()
        vrep = update_indexes(bench_settings, store, tagger, vectors=True)
        vec_s = time.perf_counter() - t

    # 3. one new daily issue into the full store (new text: nothing cached)
    seed = Path(__file__).resolve().parents[1] / "data" / "2025-12-24.md"
    new = src / "new" / "2031-01-01.md"
    new.parent.mkdir(parents=True, exist_ok=True)
    new.write_text(seed.read_text("utf-8").replace("2025-12-24", "2031-01-01").replace("。", "！"), "utf-8")
    t = time.perf_counter()
    with Store.create(bench_settings.store_path) as store:
        ingest([new], store, tagger)
        update_indexes(bench_settings, store, tagger, vectors=True)
    one_issue_s = time.perf_counter() - t

    # 4. cold start and latency in a fresh process
    qfile = work / "queries.json"
    qfile.write_text(json.dumps(bench_queries(db_dir, n_queries), ensure_ascii=False), "utf-8")
    log("measuring cold start and latency in a fresh process")
    proc = subprocess.run(
        [sys.executable, "-c", "import json,sys; from kb.bench import serve_latency; "
         "print(json.dumps(serve_latency(sys.argv[1], sys.argv[2])))", str(db_dir), str(qfile)],
        capture_output=True, text=True, check=True,
        env={**os.environ, "KB_EMBED_MODEL": settings.embed_model},
    )
    served = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "items": items,
        "issues": issues_one * epochs + 1,
        "model": settings.embed_model,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "corpus_issues_per_s": round(issues_one / parse_s, 1),
        "corpus_items": per_epoch,
        "unchanged_rerun_s": round(rerun_s, 3),
        "unchanged_rerun_files": again.count("unchanged"),
        "ingest_items_per_s_no_vectors": round(items / no_vec_s, 1),
        "ingest_items_per_s": round(items / (no_vec_s + vec_s), 1),
        "embedded_items": vrep.get("embedded"),
        "embed_s": round(vec_s, 1),
        "one_new_issue_s": round(one_issue_s, 2),
        "index_mb": _dir_mb(db_dir),
        "rss_mb": served["rss_mb"],
        "cold_start_s": served["cold_start_s"],
        "queries": served["queries"],
        "p50_ms": served["p50_ms"],
        "p95_ms": served["p95_ms"],
        "workdir": str(work),
    }
