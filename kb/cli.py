"""Command line: parse arguments, call one library function, print. No logic lives here."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from . import __version__
from .config import Settings, load_settings
from .errors import KBError
from .store import Store

db_option = click.option(
    "--db", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Knowledge-base directory (default: $KB_DB or ./kb-data).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bars or notes.")


def _dump(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _progress(quiet: bool, desc: str):
    """A tqdm wrapper for library loops, or None when quiet or not on a terminal."""
    if quiet:
        return None
    from tqdm import tqdm

    def wrap(it: Iterable) -> Iterable:
        return tqdm(it, desc=desc, file=sys.stderr, leave=False, disable=not sys.stderr.isatty())

    return wrap


def _item_json(it) -> dict:
    """The `kb items --json` fields (outside checks read these names)."""
    return {"id": it.id, "issue_id": it.issue_id, "date": it.date, "source": it.source,
            "position": it.position, "section": it.section, "title": it.title, "text": it.text,
            "url": it.url, "kind": it.kind, "entities": list(it.entities)}


def _open_store(db: Path | None) -> tuple[Settings, Store]:
    settings = load_settings(db)
    return settings, Store.open(settings.store_path)


class KBGroup(click.Group):
    """Turns library errors into one-line messages with exit code 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except KBError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=KBGroup)
@click.version_option(__version__, prog_name="kb")
def main() -> None:
    """digest-kb: search an archive of AI-news digests."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--prune", is_flag=True, help="Remove issues whose files are gone.")
@click.option("--no-vectors", is_flag=True, help="Skip embedding (BM25 index only).")
@click.option("--verbose", "-v", is_flag=True, help="List parser notes (dates, layout epochs) too.")
@json_option
@quiet_option
def ingest(paths: tuple[Path, ...], db: Path | None, prune: bool, no_vectors: bool, verbose: bool,
           as_json: bool, quiet: bool) -> None:
    """Parse, tag and store every digest under PATHS (directories are walked), then bring
    the search indexes up to date."""
    from .entities import default_tagger
    from .index import update_indexes
    from .ingest import ingest as run_ingest

    settings = load_settings(db)
    tagger = default_tagger(settings.all_gazetteer_files())
    with Store.create(settings.store_path) as store:
        report = run_ingest(paths, store, tagger, prune=prune, progress=_progress(quiet, "ingest"))
        index_report = update_indexes(settings, store, tagger, vectors=not no_vectors,
                                      progress=lambda d: _progress(quiet, d))
    summary = report.summary() | {"index": index_report}
    if as_json:
        _dump(summary)
    else:
        for f in report.failed:
            click.echo(f"FAILED  {f.path}: {f.reason}", err=True)
        if not quiet:
            for s in summary["skips"]:
                click.echo(f"skipped {s['path']}: {s['reason']}", err=True)
        if verbose:
            for n in summary["notes"]:
                click.echo(f"note    {n['path']}: {n['note']}", err=True)
        click.echo(
            f"{summary['files']} files: {summary['added']} added, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged, {summary['skipped']} skipped, "
            f"{summary['failed']} failed"
            + (f", {summary['pruned']} pruned" if prune else "")
            + f"; {summary['items']} items written to {settings.db_dir}"
            + (f" ({len(summary['notes'])} notes: -v lists them)" if summary["notes"] and not verbose else "")
        )
    sys.exit(0 if report.ok else 1)


@main.command()
@db_option
@json_option
@quiet_option
def stats(db: Path | None, as_json: bool, quiet: bool) -> None:
    """Counts per source and layout, and the date range."""
    _, store = _open_store(db)
    with store:
        s = store.stats()
    if as_json:
        return _dump(s)
    click.echo(f"{s['issues']} issues, {s['items']} items, {s['entities']} entities, "
               f"{s['first_date']} .. {s['last_date']}")
    for key in ("by_source", "by_layout"):
        click.echo(f"\n{key.replace('by_', 'by ')}:")
        for row in s[key]:
            name = row["root"] if key == "by_source" else row["layout"]
            click.echo(f"  {row['issues']:6} issues {row['items']:7} items  "
                       f"{row['first_date']} .. {row['last_date']}  {name}")


@main.command()
@db_option
@json_option
@quiet_option
def issues(db: Path | None, as_json: bool, quiet: bool) -> None:
    """List ingested issues."""
    _, store = _open_store(db)
    with store:
        rows = store.issues()
    if as_json:
        return _dump([{k: r[k] for k in ("id", "date", "title", "source", "layout", "items")} for r in rows])
    for r in rows:
        click.echo(f"{r['id']}  {r['date']}  {r['items']:3} items  {r['layout']:<11} {r['title']}")


@main.command()
@db_option
@click.option("--source", help="Only items from this file or directory.")
@click.option("--date", help="Only items of issues dated YYYY-MM-DD.")
@json_option
@quiet_option
def items(db: Path | None, source: str | None, date: str | None, as_json: bool, quiet: bool) -> None:
    """List items, optionally for one source or date."""
    _, store = _open_store(db)
    if source:
        source = str(Path(source).expanduser().resolve())
    with store:
        rows = store.items(source=source, date=date)
    if as_json:
        return _dump([_item_json(it) for it in rows])
    for it in rows:
        ents = f"  [{', '.join(it.entities)}]" if it.entities else ""
        click.echo(f"{it.id}  {it.date}  #{it.position:<3} {it.kind:<5} {it.title}{ents}")


@main.command()
@db_option
@click.option("--type", "type_", type=click.Choice(["company", "model", "person"]), help="Only this type.")
@json_option
@quiet_option
def entities(db: Path | None, type_: str | None, as_json: bool, quiet: bool) -> None:
    """List tagged entities with item counts and first/last dates."""
    _, store = _open_store(db)
    with store:
        rows = store.entities(type_=type_)
    if as_json:
        return _dump([{k: r[k] for k in ("name", "type", "aliases", "items", "first_date", "last_date")}
                      for r in rows])
    for r in rows:
        click.echo(f"{r['items']:6}  {r['type']:<8} {r['name']:<28} {r['first_date']} .. {r['last_date']}")


@main.command()
@db_option
@json_option
@quiet_option
def reindex(db: Path | None, as_json: bool, quiet: bool) -> None:
    """Rebuild the BM25 and vector indexes from the store (after changing KB_EMBED_MODEL)."""
    from .entities import default_tagger
    from .index import update_indexes

    settings, store = _open_store(db)
    with store:
        rep = update_indexes(settings, store, default_tagger(settings.all_gazetteer_files()),
                             rebuild=True, progress=lambda d: _progress(quiet, d))
    if as_json:
        return _dump(rep)
    click.echo(f"rebuilt indexes in {settings.db_dir}: " + ", ".join(f"{k} {v}" for k, v in rep.items()))


@main.command()
@click.argument("query", required=False)
@db_option
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 1000), help="Number of results.")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid", show_default=True)
@click.option("--since", help="Only issues dated on or after YYYY-MM-DD.")
@click.option("--until", help="Only issues dated on or before YYYY-MM-DD.")
@click.option("--entity", "entities", multiple=True, help="Only items tagged with this entity (repeatable).")
@click.option("--section", help="Only items whose section contains this text.")
@click.option("--source", help="Only items whose file path or layout contains this text.")
@click.option("--today", help="Reference date for 上周, 昨天… (default: newest issue).")
@click.option("--collapse", is_flag=True, help="One result per story; other dates listed.")
@click.option("--explain", is_flag=True, help="Show each mode's rank and score per hit.")
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="Queries, one per line (text or JSON); JSON lines out.")
@json_option
@quiet_option
def search(query, db, k, mode, since, until, entities, section, source, today, collapse, explain,
           batch, as_json, quiet) -> None:
    """Hybrid (BM25 + embeddings) search; dates in the query ("上周", "去年12月") filter."""
    from .render import render_result
    from .search import Searcher

    if not query and batch is None:
        raise click.UsageError("give a QUERY or --batch FILE")
    settings = load_settings(db)
    searcher = Searcher(settings, preload_dense=mode != "bm25" or batch is not None)
    ref = _date(today)
    opts = dict(k=k, mode=mode, since=since, until=until, entities=entities, section=section,
                source=source, today=ref, collapse=collapse)
    try:
        if batch is not None:
            for n, line in enumerate(batch, start=1):
                if not line.strip():
                    continue
                try:  # one bad line is reported in place; the batch goes on
                    q, o = _batch_line(line, opts)
                    out = searcher.search(q, **o).to_json()
                except (KBError, ValueError, KeyError, TypeError, click.BadParameter) as exc:
                    out = {"line": n, "error": str(exc) or type(exc).__name__}
                click.echo(json.dumps(out, ensure_ascii=False))
            return
        result = searcher.search(query, **opts)
        if as_json:
            return _dump(result.to_json())
        click.echo(render_result(result, explain=explain, color=sys.stdout.isatty(), header=not quiet))
    finally:
        searcher.close()


def _date(s: str | None):
    import datetime as dt

    if not s:
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError as exc:
        raise click.BadParameter(f"{s!r} is not a date like 2025-12-24") from exc


def _batch_line(line: str, opts: dict) -> tuple[str, dict]:
    """A batch line is plain query text, or JSON with query and optional filters."""
    line = line.strip()
    if not line.startswith("{"):
        return line, opts
    obj = json.loads(line)
    if not isinstance(obj, dict) or not isinstance(obj.get("query"), str):
        raise ValueError('a JSON line needs a "query" string')
    o = dict(opts)
    for key in ("since", "until", "mode", "k"):
        if obj.get(key) is not None:
            o[key] = obj[key]
    if obj.get("entity"):
        o["entities"] = tuple(obj["entity"] if isinstance(obj["entity"], list) else [obj["entity"]])
    if obj.get("today") or obj.get("asked_on"):
        o["today"] = _date(obj.get("today") or obj.get("asked_on"))
    return obj["query"], o


@main.command()
@click.argument("item_id")
@db_option
@json_option
@quiet_option
def show(item_id: str, db: Path | None, as_json: bool, quiet: bool) -> None:
    """One item in its context: issue, section, neighbours, links, entities."""
    from .render import render_context

    _, store = _open_store(db)
    with store:
        item = store.item(item_id)
        prev, nxt = store.neighbours(item)
    if as_json:
        brief = lambda it: it and {"id": it.id, "position": it.position, "title": it.title}  # noqa: E731
        return _dump(_item_json(item) | {
            "issue_title": item.issue_title, "links": list(item.links),
            "previous": brief(prev), "next": brief(nxt),
        })
    click.echo(render_context(item, prev, nxt))


@main.command(name="eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--mode", default="all", show_default=True, help="hybrid, bm25, dense or all.")
@json_option
@quiet_option
def eval_(queries: Path, db: Path | None, mode: str, as_json: bool, quiet: bool) -> None:
    """Score nDCG@10, Recall@10 and MRR on judged queries, per mode and query type."""
    from .evaluate import evaluate, load_queries
    from .search import MODES, Searcher

    modes = list(MODES) if mode == "all" else [mode]
    searcher = Searcher(load_settings(db), preload_dense=mode != "bm25")
    try:
        rep = evaluate(searcher, load_queries(queries), modes, progress=_progress(quiet, "eval"))
    finally:
        searcher.close()
    if as_json:
        return _dump(rep)
    for m, r in rep["modes"].items():
        a = r["all"]
        click.echo(f"{m:<7} nDCG@10 {a['ndcg@10']:.4f}  R@10 {a['recall@10']:.4f}  "
                   f"cappedR@10 {a['capped_recall@10']:.4f}  MRR {a['mrr']:.4f}  "
                   f"out-of-range hits {r['out_of_range']}")
        for t, v in r["by_type"].items():
            click.echo(f"   type {t}  nDCG@10 {v['ndcg@10']:.4f}  R@10 {v['recall@10']:.4f}  "
                       f"cappedR@10 {v['capped_recall@10']:.4f}  MRR {v['mrr']:.4f}")


@main.command()
@click.option("--items", "min_items", default=50_000, show_default=True, help="Corpus size to build.")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Digest archive to build it from (default: ../shared/corpus).")
@click.option("--queries", "n_queries", default=240, show_default=True, help="Queries per mode.")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None)
@json_option
@quiet_option
def bench(min_items: int, corpus: Path | None, n_queries: int, workdir: Path | None, as_json: bool,
          quiet: bool) -> None:
    """Measure ingest throughput, index size, RSS, cold start and latency per mode."""
    from .bench import run_bench

    corpus = corpus or next((p for p in (Path("../shared/corpus"),
                                         Path(__file__).resolve().parents[2] / "shared" / "corpus")
                             if p.is_dir()), None)
    if corpus is None:
        raise click.UsageError("no corpus found: pass --corpus DIR")
    log = (lambda m: None) if quiet else (lambda m: click.echo(m, err=True))
    rep = run_bench(load_settings(), corpus, min_items=min_items, n_queries=n_queries,
                    workdir=workdir, log=log)
    if as_json:
        return _dump(rep)
    for key, val in rep.items():
        click.echo(f"{key:<32} {val}")


if __name__ == "__main__":  # pragma: no cover
    main()
