"""Answer-unit vectors from their chunk's own encoder pass (late chunking) or encoded again (separate): where a
unit is pooled from, what the pooled vectors are, and an index never mixing the two ways."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.chunking import Chunker
from indexer.errors import IndexerError
from indexer.pipeline import Indexer
from indexer.reader import open_index
from indexer.types import Chunk, Document, EmbedKind, SourceFormat
from indexer.units import unit_spans
from indexer.vectors import Host, UnitVectors, effective_mode, hosts_in
from indexer.vietnamese import fold
from tests.conftest import CORPUS
from tests.fakes import HashEmbedder

SENTENCE = "Tỉnh Quảng Nam có {n} máy vi tính trong các cơ quan nhà nước cấp huyện và cấp xã. "
REPORTS = ["quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt", "kon-tum-thieu-can-bo-chuyen-trach-cntt.txt"]


def document(text: str, title: str = "Báo cáo ứng dụng CNTT") -> Document:
    return Document(source="r.txt", title=title, text=text, sha256="0", format=SourceFormat.TEXT)


def test_each_unit_is_pooled_from_the_chunk_that_holds_it_with_the_most_context() -> None:
    doc = document("".join(SENTENCE.format(n=1000 + i) for i in range(40)).strip())
    chunks = Chunker().split(doc)
    spans = unit_spans(doc.text)
    hosts = hosts_in(chunks, spans)
    assert len(chunks) > 3 and len(spans) == 40 and all(h is not None for h in hosts)
    in_two = 0
    for (a, b), host in zip(spans, hosts, strict=True):
        assert host is not None
        chunk = chunks[host.chunk]
        assert chunk.embed_text[host.start : host.end] == doc.text[a:b]  # offsets in the title-led text
        holders = [c for c in chunks if c.start <= a and b <= c.end]
        in_two += len(holders) > 1
        best = max(min(a - c.start, c.end - b) for c in holders)
        assert min(a - chunk.start, chunk.end - b) == best
    assert in_two > 0  # the overlaps were exercised


def test_a_unit_no_chunk_holds_whole_has_no_host() -> None:
    text = "Câu thứ nhất của báo cáo. Câu thứ hai của báo cáo."
    chunks = [
        Chunk(source="r.txt", ordinal=0, start=0, end=30, text=text[:30]),
        Chunk(source="r.txt", ordinal=1, start=26, end=len(text), text=text[26:]),
    ]
    end = len(text)
    assert hosts_in(chunks, [(0, 25), (20, 40), (26, end)]) == [Host(0, 0, 25), None, Host(1, 0, end - 26)]


def test_late_needs_an_embedder_with_token_states(embedder) -> None:
    assert effective_mode(UnitVectors.LATE, embedder) is UnitVectors.LATE
    assert effective_mode(UnitVectors.LATE, HashEmbedder()) is UnitVectors.SEPARATE
    assert effective_mode(UnitVectors.SEPARATE, embedder) is UnitVectors.SEPARATE


def test_span_vectors_come_from_the_passage_pass(embedder) -> None:
    text = (CORPUS / REPORTS[0]).read_text(encoding="utf-8")[:900].strip()
    spans = unit_spans(text)
    long_text = "Kon Tum có nhiều máy chủ. " * 200  # past 512 tokens: its last sentence is cut off
    vectors, pooled = embedder.embed_spans(
        [text, long_text], [spans, [(0, 24), (len(long_text) - 25, len(long_text) - 1)]]
    )
    alone = embedder.embed([text, long_text], EmbedKind.PASSAGE)
    assert np.sum(vectors * alone, axis=1).min() > 0.9999  # the passage vector is the usual one
    assert len(pooled[0]) == len(spans) >= 3 and all(v is not None for v in pooled[0])
    units = np.stack([v for v in pooled[0] if v is not None])
    assert np.allclose(np.linalg.norm(units, axis=1), 1.0, atol=1e-5)
    separate = embedder.embed([text[a:b] for a, b in spans], EmbedKind.PASSAGE)
    similarity = units @ separate.T
    # each pooled unit is close to its own sentence encoded alone (context pulls the units of one passage
    # together: measured 0.97 between them against 0.88 for separate vectors, README *Quality*)
    assert np.diag(similarity).min() > 0.75 and np.diag(similarity).mean() > 0.85
    assert pooled[1][0] is not None and pooled[1][1] is None


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("late") / "corpus"
    corpus.mkdir()
    for name in REPORTS:
        shutil.copy(CORPUS / name, corpus / name)
    return corpus


def test_an_index_records_its_way_and_switching_remakes_every_unit(embedder, small_corpus: Path, tmp_path) -> None:
    index_dir = tmp_path / "index"
    late = Indexer(embedder, progress=False, unit_vectors=UnitVectors.LATE).run(small_corpus, index_dir)
    first = open_index(index_dir, embedder.id)
    assert first.manifest.unit_vectors == "late" and late.embedded_chunks == late.chunks
    late_units = np.asarray(first.unit_vectors).copy()
    again = Indexer(embedder, progress=False, unit_vectors=UnitVectors.LATE).run(small_corpus, index_dir)
    assert not again.published  # up to date

    separate = Indexer(embedder, progress=False, unit_vectors=UnitVectors.SEPARATE).run(small_corpus, index_dir)
    assert separate.published and sorted(separate.updated) == sorted(REPORTS)
    switched = open_index(index_dir, embedder.id)
    assert switched.manifest.unit_vectors == "separate"
    texts = [u.text for u in switched.store.all_units()]
    expected = embedder.embed(texts, EmbedKind.PASSAGE)
    # none kept from late (batches differ, and with them the dynamic int8 scales: not exactly equal)
    assert np.sum(np.asarray(switched.unit_vectors) * expected, axis=1).min() > 0.995
    assert np.sum(late_units * expected, axis=1).mean() < 0.97  # and late ones were different


def test_collections_are_never_mixed_ways(embedder, small_corpus: Path, tmp_path) -> None:
    index_dir = tmp_path / "index"
    Indexer(embedder, progress=False, unit_vectors=UnitVectors.LATE).run(small_corpus, index_dir, collection="a")
    other = Indexer(embedder, progress=False, unit_vectors=UnitVectors.SEPARATE)
    with pytest.raises(IndexerError, match="HOIDAP_UNIT_VECTORS=late"):
        other.run(small_corpus, index_dir, collection="b")
    assert open_index(index_dir, embedder.id).manifest.unit_vectors == "late"  # nothing published


def test_words_are_segmented_while_the_chunks_are_embedded(embedder, small_corpus: Path, tmp_path) -> None:
    indexer = Indexer(embedder, progress=False)
    indexer.run(small_corpus, tmp_path / "index")
    chunks = list(open_index(tmp_path / "index", embedder.id).store.all_chunks())
    assert chunks and all("_" in s.chunk.segmented and s.chunk.folded for s in chunks)  # compound words joined
    assert all(s.chunk.folded == fold(s.chunk.segmented) for s in chunks)
    assert indexer.timer.seconds["segment (beside embedding)"] > 0 and "segment" not in indexer.timer.seconds


def test_a_failed_embedding_stops_the_segmenting_thread(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import indexer.processing

    class Failing(HashEmbedder):
        def embed(self, texts, kind):  # type: ignore[no-untyped-def]
            time.sleep(0.2)  # the thread has begun
            raise RuntimeError("the encoder died")

    calls = []

    def slow_segment(text: str) -> str:
        calls.append(text)
        time.sleep(0.05)
        return text.lower()

    monkeypatch.setattr(indexer.processing, "segment", slow_segment)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        (corpus / f"r{i}.txt").write_text(SENTENCE.format(n=i) * 3, encoding="utf-8")
    with pytest.raises(RuntimeError, match="the encoder died"):
        Indexer(Failing(), progress=False).run(corpus, tmp_path / "index")
    assert 0 < len(calls) < 40  # it did not segment the rest before letting the failure through
    assert not (tmp_path / "index" / "CURRENT").exists()  # nothing published
