"""The passage-at-a-time BM25 build gives the index bm25s's own `index()` gives, scores and all."""

import random
from pathlib import Path

import bm25s
import numpy as np

from indexer.bm25_build import EMPTY, BM25Builder
from indexer.lexical import BM25Side, document_tokens
from indexer.vietnamese import fold_word

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def passages() -> list[list[str]]:
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").split("\n"):
            out.append(document_tokens(paragraph, paragraph))
    return out


def test_the_same_scores_as_bm25s(tmp_path: Path) -> None:
    corpus = passages()
    assert len(corpus) > 100 and any(not tokens for tokens in corpus)  # empty lines: passages without tokens
    for side in (corpus, [[fold_word(t) for t in tokens] for tokens in corpus]):
        reference = bm25s.BM25(k1=1.2, b=0.75)
        reference.index([t or [EMPTY] for t in side], show_progress=False)
        builder = BM25Builder()
        for tokens in side:
            builder.add(tokens)
        built = BM25Side(builder.model())
        built.save(tmp_path / "built")
        loaded = BM25Side.load(tmp_path / "built")
        vocabulary = sorted({t for tokens in side for t in tokens})
        rng = random.Random(0)
        queries = [[t] for t in vocabulary[:50]] + [rng.sample(vocabulary, 6) for _ in range(50)]
        for query in queries:
            expected = np.asarray(reference.get_scores(query), dtype=np.float32)
            assert expected.max() > 0
            for got in (built.scores(query), loaded.scores(query)):
                np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
        assert built.rarity(vocabulary[:20]) == BM25Side(reference).rarity(vocabulary[:20])
