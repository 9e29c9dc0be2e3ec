"""Collections in one index: each `hoidap index DIR --collection X` run fills one collection and keeps the
others; searches can be limited to collections.  Real files, SQLite, FAISS and bm25s; fake embedder."""

import shutil
from pathlib import Path

import pytest

from indexer.errors import IndexerError
from indexer.gazetteer import Gazetteer
from indexer.pipeline import Indexer
from indexer.reader import open_index
from indexer.types import check_collection
from service.search import ExplicitFilters, SearchService
from tests.fakes import HashEmbedder

QN = "quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"
KT = "kon-tum-thieu-can-bo-chuyen-trach-cntt.txt"


def run(corpus: Path, index: Path, embedder=None, **kwargs):
    return Indexer(embedder or HashEmbedder(), progress=False).run(corpus, index, **kwargs)


@pytest.fixture
def two_folders(corpus_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The seed corpus minus Quảng Nam's report, and a department folder holding only that report."""
    department = tmp_path / "so-tt-tt"
    department.mkdir()
    shutil.move(corpus_copy / QN, department / QN)
    return corpus_copy, department


def test_collections_fill_one_index_and_keep_each_other(two_folders, tmp_path: Path) -> None:
    shared, department = two_folders
    index_dir = tmp_path / "index"
    run(shared, index_dir)
    summary = run(department, index_dir, collection="so-tt-tt")
    assert summary.published and summary.added == [f"so-tt-tt/{QN}"] and summary.removed == []
    index = open_index(index_dir, "fake:hash-64")
    assert index.store.collections() == {"default": 4, "so-tt-tt": 1}
    assert index.store.document(f"so-tt-tt/{QN}").collection == "so-tt-tt"
    assert index.store.document(KT).collection == "default"
    assert index.manifest.collections == {"default": str(shared.resolve()), "so-tt-tt": str(department.resolve())}
    index.close()

    # Re-indexing the default collection (one report removed) leaves the department's report alone and
    # embeds nothing again: its vectors come from the previous generation.
    (shared / KT).unlink()
    embedder = HashEmbedder()
    again = run(shared, index_dir, embedder)
    assert again.removed == [KT] and again.added == [] and embedder.embedded == 0
    index = open_index(index_dir, "fake:hash-64")
    assert index.store.collections() == {"default": 3, "so-tt-tt": 1}
    index.close()

    # --rebuild of one collection re-embeds that collection only.
    embedder = HashEmbedder()
    rebuilt = run(department, index_dir, embedder, collection="so-tt-tt", rebuild=True)
    assert rebuilt.published and rebuilt.updated == [f"so-tt-tt/{QN}"]
    index = open_index(index_dir, "fake:hash-64")
    department_chunks = [c for c in index.store.all_chunks() if c.chunk.source.startswith("so-tt-tt/")]
    assert embedder.embedded == len(department_chunks) + sum(
        1 for u in index.store.all_units() if u.source.startswith("so-tt-tt/")
    )
    assert index.store.collections() == {"default": 3, "so-tt-tt": 1}
    index.close()


def test_searches_see_only_the_callers_collections(two_folders, tmp_path: Path) -> None:
    shared, department = two_folders
    index_dir = tmp_path / "index"
    run(shared, index_dir)
    run(department, index_dir, collection="so-tt-tt")
    index = open_index(index_dir, "fake:hash-64")
    search = SearchService(index, HashEmbedder(), Gazetteer.load())
    question = "máy vi tính và cán bộ công nghệ thông tin"
    everything = search.search(question, top_k=20)
    assert any(h.document.collection == "so-tt-tt" for h in everything.hits)
    shared_only = search.search(question, top_k=20, explicit=ExplicitFilters(collections=frozenset({"default"})))
    assert shared_only.hits and all(h.document.collection == "default" for h in shared_only.hits)
    mine = search.search(question, top_k=20, explicit=ExplicitFilters(collections=frozenset({"so-tt-tt"})))
    assert mine.hits and {h.document.source for h in mine.hits} == {f"so-tt-tt/{QN}"}
    with pytest.raises(Exception, match="unknown source"):  # another collection's report does not exist
        search.search(question, explicit=ExplicitFilters(source=KT, collections=frozenset({"so-tt-tt"})))
    index.close()


def test_emptying_a_collection_needs_to_be_asked_for(two_folders, tmp_path: Path) -> None:
    shared, department = two_folders
    index_dir = tmp_path / "index"
    run(shared, index_dir)
    run(department, index_dir, collection="so-tt-tt")
    (department / QN).unlink()
    with pytest.raises(IndexerError, match="nothing could be indexed"):
        run(department, index_dir, collection="so-tt-tt")
    emptied = run(department, index_dir, collection="so-tt-tt", allow_empty=True)
    assert emptied.published and emptied.removed == [f"so-tt-tt/{QN}"]
    index = open_index(index_dir, "fake:hash-64")
    assert index.store.collections() == {"default": 4} and set(index.manifest.collections) == {"default"}
    index.close()


@pytest.mark.parametrize("name", ["", "Sở", "so_tai_chinh", "-so", "so-", "a" * 65, "../x"])
def test_bad_collection_names_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="collection name"):
        check_collection(name)
    with pytest.raises(ValueError, match="collection name"):
        run(tmp_path, tmp_path / "index", collection=name)


def test_a_run_reports_its_progress_stage_by_stage(tmp_path: Path) -> None:
    """The hook the service's jobs show as a progress bar: stages in order, one fraction that never goes back."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (QN, KT):
        shutil.copy(Path(__file__).resolve().parents[2] / "corpus" / name, corpus / name)
    seen: list[tuple[str, float]] = []
    Indexer(HashEmbedder(), progress=False, on_progress=lambda stage, done: seen.append((stage, done))).run(
        corpus, tmp_path / "index"
    )
    stages = list(dict.fromkeys(stage for stage, _ in seen))
    assert stages == ["reading", "embedding", "embedding answer units", "writing"]
    fractions = [done for _, done in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0 and 0.9 <= fractions[-1] < 1
    assert len([s for s, _ in seen if s == "reading"]) == 2  # one a file
