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
        return tqdm(it, desc=desc, unit="file", file=sys.stderr, leave=False,
                    disable=not sys.stderr.isatty())

    return wrap


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
@json_option
@quiet_option
def ingest(paths: tuple[Path, ...], db: Path | None, prune: bool, as_json: bool, quiet: bool) -> None:
    """Parse, tag and store every digest under PATHS (directories are walked)."""
    from .entities import default_tagger
    from .ingest import ingest as run_ingest

    settings = load_settings(db)
    tagger = default_tagger(settings.all_gazetteer_files())
    with Store.create(settings.store_path) as store:
        report = run_ingest(paths, store, tagger, prune=prune, progress=_progress(quiet, "ingest"))
    summary = report.summary()
    if as_json:
        _dump(summary)
    else:
        for f in report.failed:
            click.echo(f"FAILED  {f.path}: {f.reason}", err=True)
        if not quiet:
            for s in summary["skips"]:
                click.echo(f"skipped {s['path']}: {s['reason']}", err=True)
            for n in summary["notes"]:
                click.echo(f"note    {n['path']}: {n['note']}", err=True)
        click.echo(
            f"{summary['files']} files: {summary['added']} added, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged, {summary['skipped']} skipped, "
            f"{summary['failed']} failed"
            + (f", {summary['pruned']} pruned" if prune else "")
            + f"; {summary['items']} items written to {settings.db_dir}"
        )
    sys.exit(0 if report.ok else 1)


@main.command()
@db_option
@json_option
def stats(db: Path | None, as_json: bool) -> None:
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
def issues(db: Path | None, as_json: bool) -> None:
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
def items(db: Path | None, source: str | None, date: str | None, as_json: bool) -> None:
    """List items, optionally for one source or date."""
    _, store = _open_store(db)
    if source:
        source = str(Path(source).expanduser().resolve())
    with store:
        rows = store.items(source=source, date=date)
    if as_json:
        return _dump([
            {"id": it.id, "issue_id": it.issue_id, "date": it.date, "source": it.source,
             "position": it.position, "section": it.section, "title": it.title, "text": it.text,
             "url": it.url, "kind": it.kind, "entities": list(it.entities)}
            for it in rows
        ])
    for it in rows:
        ents = f"  [{', '.join(it.entities)}]" if it.entities else ""
        click.echo(f"{it.id}  {it.date}  #{it.position:<3} {it.kind:<5} {it.title}{ents}")


@main.command()
@db_option
@click.option("--type", "type_", type=click.Choice(["company", "model", "person"]), help="Only this type.")
@json_option
def entities(db: Path | None, type_: str | None, as_json: bool) -> None:
    """List tagged entities with item counts and first/last dates."""
    _, store = _open_store(db)
    with store:
        rows = store.entities(type_=type_)
    if as_json:
        return _dump([{k: r[k] for k in ("name", "type", "aliases", "items", "first_date", "last_date")}
                      for r in rows])
    for r in rows:
        click.echo(f"{r['items']:6}  {r['type']:<8} {r['name']:<28} {r['first_date']} .. {r['last_date']}")


if __name__ == "__main__":  # pragma: no cover
    main()
