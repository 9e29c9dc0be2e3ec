import re

import pytest

from indexer.chunking import SENTENCE_END, Chunker, ChunkerSettings
from indexer.types import Document, SourceFormat
from tests.conftest import CORPUS

NUMBER_THEN_SPACE = re.compile(r"\d[\d.,/]*%?$")


def _doc(text: str, source: str = "a.txt") -> Document:
    return Document(source=source, title="Tiêu đề", text=text, sha256="-", format=SourceFormat.TEXT)


def test_sentence_ends_are_vietnamese_aware() -> None:
    text = "Ở TP. Hồ Chí Minh có 1.350 máy. Tỷ lệ đạt 0,7 máy/người. TS. Nguyễn Văn A. nói vậy! Xong?"
    parts = re.split(SENTENCE_END, text)
    assert parts == [
        "Ở TP. Hồ Chí Minh có 1.350 máy.",
        "Tỷ lệ đạt 0,7 máy/người.",
        "TS. Nguyễn Văn A. nói vậy!",
        "Xong?",
    ]


def test_offsets_round_trip_on_the_seed_reports() -> None:
    from indexer.gazetteer import Gazetteer
    from indexer.loaders import load_bytes
    from indexer.metadata import build_document

    chunker = Chunker()
    gazetteer = Gazetteer.load()
    for path in sorted(CORPUS.iterdir()):
        document = build_document(path.name, load_bytes(path, path.read_bytes()), "-", 0, gazetteer)
        chunks = chunker.split(document)
        assert chunks, path.name
        covered = set()
        for chunk in chunks:
            assert document.text[chunk.start : chunk.end] == chunk.text
            assert len(chunk.text) <= chunker.settings.size + chunker.settings.overlap
            covered.update(range(chunk.start, chunk.end))
        # every non-space character of the document is in some chunk
        assert all(i in covered for i, ch in enumerate(document.text) if not ch.isspace())


def test_long_unpunctuated_text_never_cuts_a_number_from_its_unit() -> None:
    # One 6,000-character "sentence": the splitter must fall back to spaces, but never after a number.
    words = []
    for i in range(600):
        words.append(f"có {i * 7} điểm cầu và {i}% cán bộ" if i % 3 == 0 else "trong đó")
    text = " ".join(words)
    chunks = Chunker(ChunkerSettings(size=500, overlap=80)).split(_doc(text))
    assert len(chunks) > 10
    for left, right in zip(chunks, chunks[1:], strict=False):
        boundary_left = text[: left.end].split()[-1]
        assert not NUMBER_THEN_SPACE.search(boundary_left), boundary_left
        assert text[left.start : left.end] == left.text
        assert right.start < left.end  # overlap


@pytest.mark.parametrize("size", [300, 600, 900])
def test_chunk_sizes_and_overlap(size: int) -> None:
    sentence = "Tỉnh đã đầu tư xây dựng hệ thống hội nghị truyền hình với quy mô 19 điểm cầu. "
    chunks = Chunker(ChunkerSettings(size=size, overlap=size // 6)).split(_doc(sentence * 60))
    assert all(len(c.text) <= size for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)  # sentence-aware: chunks end at sentence ends
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))


def test_chunk_ids_are_stable_and_content_derived() -> None:
    doc = _doc("Câu một có nội dung. " * 100)
    first, second = Chunker().split(doc), Chunker().split(doc)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert len({c.chunk_id for c in first}) == len(first)
    other = Chunker().split(_doc("Câu một có nội dung. " * 100, source="b.txt"))
    assert first[0].chunk_id != other[0].chunk_id


def test_title_goes_to_the_embedder() -> None:
    chunk = Chunker().split(_doc("Nội dung báo cáo có 19 điểm cầu."))[0]
    assert chunk.embed_text == "Tiêu đề\nNội dung báo cáo có 19 điểm cầu."
