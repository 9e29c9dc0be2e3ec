"""Indexing runs end to end: real files, real SQLite, real FAISS and bm25s (fake embedder for speed)."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from indexer.errors import IndexerError, IndexLoadError
from indexer.layout import IndexLayout
from indexer.pipeline import Indexer
from indexer.reader import open_index
from indexer.types import EmbedKind
from tests.fakes import HashEmbedder
from tests.indexer.test_loaders import make_pdf

QN = "quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"


def run(corpus: Path, index: Path, embedder=None, **kwargs):
    return Indexer(embedder or HashEmbedder(), progress=False, **kwargs).run(corpus, index)


def test_first_run_publishes_everything(corpus_copy: Path, tmp_path: Path) -> None:
    summary = run(corpus_copy, tmp_path / "index")
    assert summary.published and len(summary.added) == 5 and summary.embedded_chunks == summary.chunks > 5
    index = open_index(tmp_path / "index", "fake:hash-64")
    counts = index.manifest.counts
    assert counts["documents"] == 5 and counts["chunks"] == summary.chunks
    assert counts["units"] > counts["chunks"] and index.unit_vectors.shape == (counts["units"], 64)
    for unit in index.store.all_units():
        assert unit.text == index.store.document(unit.source).text[unit.start : unit.end] and unit.text.strip()
    assert set(index.manifest.documents) == {p.name for p in corpus_copy.iterdir()}
    assert index.manifest.embedder == {"id": "fake:hash-64", "dim": 64}
    assert index.manifest.chunker["size"] == 900
    for stored in index.store.all_chunks():
        document = index.store.document(stored.chunk.source)
        assert document.text[stored.chunk.start : stored.chunk.end] == stored.chunk.text
        assert stored.chunk.segmented and stored.chunk.folded
    assert index.dense.ntotal == summary.chunks


def test_incremental_runs(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    first = run(corpus_copy, index_dir)
    embedder = HashEmbedder()
    unchanged = run(corpus_copy, index_dir, embedder)
    assert not unchanged.published and len(unchanged.unchanged) == 5 and embedder.embedded == 0
    assert IndexLayout(index_dir).current_name() == first.generation

    path = corpus_copy / QN
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\nĐến cuối năm, tỉnh có thêm 5 điểm cầu mới.\n", encoding="utf-8"
    )
    (corpus_copy / "kon-tum-thieu-can-bo-chuyen-trach-cntt.txt").unlink()
    embedder = HashEmbedder()
    changed = run(corpus_copy, index_dir, embedder)
    assert changed.published and changed.updated == [QN]
    assert changed.removed == ["kon-tum-thieu-can-bo-chuyen-trach-cntt.txt"]
    assert len(changed.unchanged) == 3 and not changed.added
    index = open_index(index_dir)
    qn_chunks = [c for c in index.store.all_chunks() if c.chunk.source == QN]
    # only the changed file's changed chunks and sentences were embedded; the rest kept their vectors
    qn_units = [u for u in index.store.all_units() if u.source == QN]
    assert 0 < embedder.embedded <= len(qn_chunks) + len(qn_units)
    assert changed.embedded_chunks <= len(qn_chunks)
    assert "kon-tum-thieu-can-bo-chuyen-trach-cntt.txt" not in index.manifest.documents
    assert any("thêm 5 điểm cầu mới" in c.chunk.text for c in qn_chunks)
    fresh = HashEmbedder().embed([c.chunk.embed_text for c in index.store.all_chunks()], EmbedKind.PASSAGE)
    assert np.allclose(np.asarray(index.vectors), fresh, atol=1e-6)  # reused vectors sit at the right rows
    fresh_units = HashEmbedder().embed([u.text for u in index.store.all_units()], EmbedKind.PASSAGE)
    assert np.allclose(np.asarray(index.unit_vectors), fresh_units, atol=1e-3)  # kept in half precision


def test_an_unchanged_corpus_opens_no_index_and_loads_no_model(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    first = run(corpus_copy, index_dir)
    (corpus_copy / "notes.xyz").write_text("không phải báo cáo", encoding="utf-8")  # unsupported: skipped

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the live generation was opened for an unchanged corpus")

    monkeypatch.setattr("indexer.pipeline.open_generation", refuse)
    embedder = HashEmbedder()
    again = run(corpus_copy, index_dir, embedder)
    assert not again.published and again.generation == first.generation and embedder.loads == 0
    assert sorted(again.unchanged) == sorted(first.added) and again.chunks == first.chunks
    assert [s.source for s in again.skipped] == ["notes.xyz"]
    # one changed byte and the run is a real one again (it opens the live generation to reuse it)
    path = corpus_copy / QN
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(AssertionError, match="opened"):
        run(corpus_copy, index_dir, HashEmbedder())


def test_a_new_pipeline_version_reads_every_document_again_but_embeds_nothing_unchanged(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    first = run(corpus_copy, index_dir)
    monkeypatch.setattr("indexer.pipeline.PIPELINE_VERSION", "a later version")
    embedder = HashEmbedder()
    again = run(corpus_copy, index_dir, embedder)
    assert again.published and sorted(again.updated) == sorted(first.added) and not again.unchanged
    assert embedder.embedded == 0 and again.embedded_chunks == 0  # the same texts: their vectors are found by hash
    index = open_index(index_dir)
    fresh = HashEmbedder().embed([c.chunk.embed_text for c in index.store.all_chunks()], EmbedKind.PASSAGE)
    assert np.allclose(np.asarray(index.vectors), fresh, atol=1e-6)
    rebuilt = HashEmbedder()
    Indexer(rebuilt, progress=False).run(corpus_copy, index_dir, rebuild=True)
    assert rebuilt.embedded == first.chunks + index.manifest.counts["units"]  # --rebuild embeds afresh


def test_old_generations_are_collected(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    for i in range(4):
        (corpus_copy / "extra.txt").write_text(f"Báo cáo bổ sung số {i} về hạ tầng công nghệ thông tin của tỉnh.")
        run(corpus_copy, index_dir)
    assert IndexLayout(index_dir).generations() == ["gen-000003", "gen-000004"]


def test_embedder_mismatch_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    run(corpus_copy, index_dir)
    with pytest.raises(IndexerError, match="--rebuild"):
        run(corpus_copy, index_dir, HashEmbedder(dim=32))
    with pytest.raises(IndexLoadError, match="rebuild"):
        open_index(index_dir, "fake:hash-32")
    rebuilt = Indexer(HashEmbedder(dim=32), progress=False).run(corpus_copy, index_dir, rebuild=True)
    assert rebuilt.published and open_index(index_dir, "fake:hash-32").manifest.embedder["dim"] == 32


def test_bad_inputs_are_skipped_with_reasons(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:
    (corpus_copy / "junk.txt").write_bytes(os.urandom(5000) + bytes(range(32)) * 50)
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "scan.pdf").write_bytes(make_pdf([]))
    (corpus_copy / "sheet.xlsx").write_bytes(b"PK")
    (corpus_copy / "notes.docx").write_bytes(b"not a zip")
    with (corpus_copy / "huge.txt").open("wb") as f:  # 200 MB, sparse: costs no disk
        f.truncate(200 * 1024 * 1024)
    (corpus_copy / ".hidden.txt").write_text("ẩn")
    import indexer.pipeline as pipeline

    real_scan = pipeline.scan_corpus

    def scan_with_a_vanishing_file(corpus_dir: Path, collection: str):
        found, skipped = real_scan(corpus_dir, collection)
        return [*found, ("gone.txt", corpus_dir / "gone.txt")], skipped

    monkeypatch.setattr(pipeline, "scan_corpus", scan_with_a_vanishing_file)
    summary = run(corpus_copy, tmp_path / "index")
    reasons = {s.source: s.reason for s in summary.skipped}
    assert set(reasons) == {"junk.txt", "empty.txt", "scan.pdf", "sheet.xlsx", "notes.docx", "huge.txt", "gone.txt"}
    assert "binary" in reasons["junk.txt"] or "encoding" in reasons["junk.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "text layer" in reasons["scan.pdf"]
    assert "unsupported" in reasons["sheet.xlsx"]
    assert "too large" in reasons["huge.txt"]
    assert "vanished" in reasons["gone.txt"]
    assert summary.published and len(summary.added) == 5
    assert open_index(tmp_path / "index").manifest.counts["documents"] == 5


def test_nothing_indexable_publishes_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(IndexerError, match="nothing could be indexed"):
        run(corpus, tmp_path / "index")
    assert IndexLayout(tmp_path / "index").current_name() is None


def test_one_writer_at_a_time(corpus_copy: Path, tmp_path: Path) -> None:
    layout = IndexLayout(tmp_path / "index")
    with layout.writer_lock(), pytest.raises(IndexerError, match="another"):
        run(corpus_copy, tmp_path / "index")


def test_corrupted_generation_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    summary = run(corpus_copy, index_dir)
    vectors = index_dir / summary.generation / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-10] ^= 0xFF
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexLoadError, match="corrupted"):
        open_index(index_dir)
    (index_dir / summary.generation / "store.sqlite").write_bytes(b"short")
    with pytest.raises(IndexLoadError, match="truncated"):
        open_index(index_dir)
    manifest = json.loads((index_dir / summary.generation / "manifest.json").read_text())
    assert manifest["files"]["store.sqlite"]["size"] > 5


def test_missing_corpus_dir(tmp_path: Path) -> None:
    with pytest.raises(IndexerError, match="does not exist"):
        run(tmp_path / "nope", tmp_path / "index")


def _rss_anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no RssAnon in /proc/self/status")


@pytest.mark.parametrize("count", [40_000, 60_000])
def test_the_dense_index_is_not_copied_into_each_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count):
    """Every worker maps dense.faiss (flat or HNSW) from the page cache instead of holding its own copy."""
    import indexer.dense
    from indexer.dense import choose_dense, read_faiss, write_dense

    monkeypatch.setattr(indexer.dense, "EXACT_UP_TO", 50_000)  # the HNSW case without a 150k-vector build
    rng = np.random.default_rng(0)
    vectors = np.repeat(rng.random((count // 5, 384), dtype=np.float32), 5, axis=0)
    vectors += rng.random((count, 384), dtype=np.float32) * 0.1
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    choice = write_dense(tmp_path, vectors, vectors[:10])
    assert choice == choose_dense(count) and choice.kind == ("flat" if count < 50_000 else "hnsw")
    expected = np.argsort(-(vectors @ vectors[123]))[:5]
    query = vectors[123:124].copy()
    del vectors
    before = _rss_anon_mb()
    index = read_faiss(tmp_path, choice)
    scores, rows = index.search(query, 5)
    grown = _rss_anon_mb() - before
    assert grown < 20, grown  # a private copy would add 61 MB (flat) or 100+ MB (HNSW) of private memory
    assert rows[0][0] == 123 and len(set(rows[0]) & set(expected)) >= 4 and abs(scores[0][0] - 1.0) < 1e-5



@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_a_filtered_dense_search_gets_the_best_of_the_kept_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A filter's best rows come from the search itself (FAISS skips the other rows; a narrow filter exactly),
    never from filtering the unfiltered best: here the kept rows are one in ten and none of them is among the
    unfiltered best 40."""
    import indexer.dense
    from indexer.dense import DenseChoice, read_faiss, search_dense, write_dense

    monkeypatch.setattr(indexer.dense, "EXACT_UP_TO", 1_000 if kind == "hnsw" else 100_000)
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((6_000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[7] + 0.05 * rng.standard_normal(384).astype(np.float32)
    query /= np.linalg.norm(query)
    unfiltered = np.argsort(-(vectors @ query))[:40]
    mask = np.zeros(len(vectors), dtype=bool)
    mask[::10] = True
    mask[unfiltered] = False
    expected = [int(r) for r in np.flatnonzero(mask)[np.argsort(-(vectors[mask] @ query))[:20]]]
    choice = write_dense(tmp_path, vectors, vectors[:10])
    assert choice.kind == kind
    index = read_faiss(tmp_path, DenseChoice.from_manifest(choice.to_json(), 6_000))
    for exact_up_to in (100_000, 100):  # searched exactly over the kept rows, then in the graph with a selector
        monkeypatch.setattr(indexer.dense, "EXACT_FILTERED_UP_TO", exact_up_to)
        scores, rows = search_dense(index, query, 20, mask)
        assert mask[rows].all() and len(rows) == 20 and list(scores) == sorted(scores, reverse=True)
        found = len(set(rows.tolist()) & set(expected))
        assert found == 20 if kind == "flat" or exact_up_to > 100 else found >= 18, (exact_up_to, found)
    scores, rows = search_dense(index, query, 5)
    assert rows.tolist() == unfiltered[:5].tolist() or kind == "hnsw" and rows[0] == unfiltered[0]
