"""Streamlit page: search the knowledge base and read each hit in its context.

Thin by design: every decision lives in kb/ (search, context, rendering helpers).
Run with `make ui` or `streamlit run app.py`; KB_DB picks the knowledge base.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kb.config import load_settings
from kb.errors import KBError
from kb.render import find_terms, md_escape, md_highlight, safe_url, snippet
from kb.search import Searcher
from kb.store import store_generation

st.set_page_config(page_title="digest-kb", layout="wide")


@st.cache_resource(show_spinner="Opening the knowledge base…", max_entries=2)
def get_searcher(db: str, generation: int) -> Searcher:
    """One Searcher per state of the store: after a `kb ingest` the next run reopens it."""
    return Searcher(load_settings(db))


def main() -> None:
    settings = load_settings()
    st.title("digest-kb")
    try:
        searcher = get_searcher(str(settings.db_dir), store_generation(settings.store_path))
    except KBError as exc:
        st.error(str(exc))
        return
    with st.sidebar:
        mode = st.radio("Mode", ["hybrid", "bm25", "dense"], horizontal=True)
        k = st.slider("Results", 5, 50, 10)
        use_dates = st.checkbox("Date range")
        since = until = None
        if use_dates:
            since = st.date_input("Since", dt.date(2025, 1, 1)).isoformat()
            until = st.date_input("Until", dt.date.today()).isoformat()
        entities = st.multiselect("Entities (all must match)",
                                  [e["name"] for e in searcher.store.entities()[:2000]])
        collapse = st.checkbox("One result per story")
    query = st.text_input("Search", placeholder="智谱 GLM-4.7 · 字節跳動 · 上周 OpenAI 融资")
    if not query and not entities:
        st.caption(f"{searcher.store.item_count()} items in {settings.db_dir}")
        return
    try:
        result = searcher.search(query or "", k=k, mode=mode, since=since, until=until,
                                 entities=entities, collapse=collapse)
    except KBError as exc:
        st.error(str(exc))
        return
    parsed = result.filters.get("parsed")
    if parsed:
        st.info(f"Date filter from “{parsed['expression']}”: {parsed['since'] or '…'} → {parsed['until'] or '…'}")
    st.caption(f"{len(result.results)} results · {result.took_ms:.0f} ms")
    for h in result.results:
        with st.container(border=True):
            st.markdown(f"**{md_highlight(h.title, find_terms(h.title, result.terms))}**")
            st.caption(f"{h.date} · {h.issue_title} · {h.section or '—'} · #{h.position}")
            snip, spans = snippet(h.text, result.terms, width=240)
            st.markdown(md_highlight(snip, spans))
            url = safe_url(h.url)
            if url:
                st.markdown(f"[{md_escape(url[:80])}]({url})")
            if h.entities:
                st.caption(" · ".join(h.entities))
            with st.expander("In context"):
                item = searcher.store.item(h.id)
                prev, nxt = searcher.store.neighbours(item)
                st.markdown(md_escape(item.text))
                for label, other in (("Previous", prev), ("Next", nxt)):
                    if other:
                        st.caption(f"{label}: {other.title}")


main()
