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


def test_a_query_beyond_the_postings_budget_ranks_as_exact_scoring_does(monkeypatch) -> None:
    """Common words in a huge index: rarest words scored everywhere, the others for the best candidates."""
    import indexer.lexical

    common = ["của", "và", "các", "tỉnh"]  # in nine passages of ten, as function words are in a large index
    corpus = [tokens + (common if i % 10 else []) for i, tokens in enumerate(passages() * 3)]
    builder = BM25Builder()
    for tokens in corpus:
        builder.add(tokens)
    side = BM25Side(builder.model())
    vocabulary = sorted({t for tokens in corpus for t in tokens})
    rng = random.Random(1)
    queries = [rng.sample(vocabulary, 8) + common for _ in range(40)]
    exact = [side.scores(q) for q in queries]
    mask = np.arange(len(corpus)) % 2 == 0
    exact_masked = [side.scores(q, mask) for q in queries]
    monkeypatch.setattr(indexer.lexical, "EXACT_POSTINGS", 60)
    monkeypatch.setattr(indexer.lexical, "RESCORED", 50)
    monkeypatch.setattr(indexer.lexical, "EXACT_TOP", 10)
    pruned_queries = 0
    for query, full, masked in zip(queries, exact, exact_masked, strict=True):
        keep = [int(r) for r in np.argsort(full)[:5]]  # rows fusion looks up, however low they rank
        pruned = side.scores(query, keep=keep)
        # the best ten (the corpus repeats, so compare scores, not which copy), each with its exact score
        top = np.argsort(-pruned)[:10]
        np.testing.assert_allclose(pruned[top], np.sort(full)[::-1][:10], rtol=1e-6)
        np.testing.assert_allclose(pruned[top], full[top], rtol=1e-6)
        np.testing.assert_allclose(pruned[keep], full[keep], rtol=1e-6)
        pruned_queries += (pruned > 0).sum() < (full > 0).sum()
        pruned_masked = side.scores(query, mask)
        assert not pruned_masked[~mask].any()
        np.testing.assert_allclose(np.sort(pruned_masked)[::-1][:10], np.sort(masked)[::-1][:10], rtol=1e-6)
    assert pruned_queries >= 10  # most queries were scored on their candidates only
