"""The lexical side: underthesea word segmentation, diacritics folding and a BM25 index (bm25s).

Documents are indexed by syllables and by underthesea's compound words ("quảng_nam", "hội_nghị"); a query
contributes its syllables and those of its syllable n-grams that are compounds in the vocabulary, so the
query side needs no segmenter and cannot disagree with the document side about word boundaries.  The
folded index ("quang_nam", "diem") serves questions typed without diacritics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.bm25_build import BM25Builder
from indexer.vietnamese import fold, fold_word

_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_DIGIT = re.compile(r"\d")
# A query whose words have more postings than this in all (common words in a very large index) is scored
# exactly on its rarest words only, and on the others for the best RESCORED passages (BM25Side.scores).
# Every set we evaluate on stays far below it: their figures are exact BM25.
EXACT_POSTINGS = 400_000
RESCORED = 4_000
EXACT_TOP = 100  # the best this many are guaranteed their exact scores and order (the fusion's depth)
_SYLLABLE = re.compile(r"[^\W_]+(?:[.,/][0-9]+)*%?")


def segment(text: str) -> str:
    """underthesea word segmentation, lower case: "Quảng Nam có" -> "quảng_nam có"."""
    from underthesea import word_tokenize

    return str(word_tokenize(text, format="text")).lower()


def document_tokens(text: str, segmented: str) -> list[str]:
    """The syllables of `text` (as a query sees them) plus underthesea's compound words."""
    tokens = _SYLLABLE.findall(text.lower())
    for word in segmented.split():
        if "_" in word and not _PUNCT_ONLY.match(word) and not _DIGIT.search(word):
            parts = _SYLLABLE.findall(word.replace("_", " "))
            if len(parts) > 1:
                tokens.append("_".join(parts))
    return tokens


def query_syllables(text: str, folded: bool) -> list[str]:
    text = fold(text) if folded else text
    return _SYLLABLE.findall(text.lower())


def query_tokens(syllables: Sequence[str], vocabulary: dict[str, int], max_n: int = 4) -> list[str]:
    """Syllables plus the n-grams (n <= max_n) that the vocabulary holds as compound words."""
    tokens = list(syllables)
    for n in range(2, max_n + 1):
        for i in range(len(syllables) - n + 1):
            gram = "_".join(syllables[i : i + n])
            if gram in vocabulary:
                tokens.append(gram)
    return tokens


class BM25Side:
    """One bm25s index over token lists, scored densely (one float per chunk)."""

    def __init__(self, model: object) -> None:
        self._model = model
        self.vocabulary: dict[str, int] = model.vocab_dict  # type: ignore[attr-defined]

    def save(self, directory: Path) -> None:
        self._model.save(str(directory), show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> BM25Side:
        import bm25s

        return cls(bm25s.BM25.load(str(directory), mmap=mmap, show_progress=False))

    def rarity(self, tokens: Sequence[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each token (unknown tokens are as rare as can be)."""
        n = int(self._model.scores["num_docs"])  # type: ignore[attr-defined]
        indptr = self._model.scores["indptr"]  # type: ignore[attr-defined]
        out = {}
        for token in tokens:
            i = self.vocabulary.get(token)
            df = 0 if i is None else int(indptr[i + 1] - indptr[i])
            out[token] = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
        return out

    def scores(
        self, tokens: Sequence[str], mask: np.ndarray | None = None, keep: Sequence[int] = ()
    ) -> np.ndarray:
        """BM25 score of every passage (0 outside `mask`).

        Exact while the query's words have at most `EXACT_POSTINGS` postings in all.  Beyond that (common
        words in a million-passage index: millions of postings a query), the rarest words are scored over
        all passages, and the others only for the best `RESCORED` of those and for the rows in `keep` (the
        dense side's candidates, which fusion looks up); every other passage scores 0.  When a passage left
        out could still reach the best `EXACT_TOP` (its bound: the rare words' score it was cut at plus the
        most each common word gives), the query is scored exactly: the best `EXACT_TOP` are always exact.
        """
        known = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        n = int(self._model.scores["num_docs"])  # type: ignore[attr-defined]
        if not known:
            return np.zeros(n, dtype=np.float32)
        indptr = self._model.scores["indptr"]  # type: ignore[attr-defined]
        sizes = [int(indptr[i + 1] - indptr[i]) for i in known]
        if sum(sizes) <= EXACT_POSTINGS:
            scores = np.asarray(self._model.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]
            return scores if mask is None else np.where(mask, scores, np.float32(0))
        return self._pruned(known, sizes, n, mask, keep)

    def _pruned(
        self, known: list[int], sizes: list[int], n: int, mask: np.ndarray | None, keep: Sequence[int]
    ) -> np.ndarray:
        data, indices, indptr = (self._model.scores[k] for k in ("data", "indices", "indptr"))  # type: ignore[attr-defined]
        order = sorted(range(len(known)), key=lambda j: sizes[j])
        rare: list[int] = []
        common: list[int] = []
        budget = 0
        for j in order:
            if not rare or budget + sizes[j] <= EXACT_POSTINGS:
                rare.append(known[j])
                budget += sizes[j]
            else:
                common.append(known[j])
        rows = np.concatenate([indices[indptr[i] : indptr[i + 1]] for i in rare])
        weights = np.concatenate([data[indptr[i] : indptr[i + 1]] for i in rare])
        partial = np.bincount(rows, weights=weights, minlength=n)
        if mask is not None:
            partial[~mask] = 0.0
        found = np.flatnonzero(partial)
        if len(found) > RESCORED:
            found = found[np.argpartition(-partial[found], RESCORED - 1)[:RESCORED]]
        kept = np.asarray(keep, dtype=np.int64)
        if mask is not None and len(kept):
            kept = kept[mask[kept]]
        # what a passage left out could score at most: its rare words' score (no more than the last one
        # kept) plus the most each common word gives any passage
        left_out = float(partial[found].min()) if len(found) == RESCORED else 0.0
        left_out += sum(float(data[indptr[i] : indptr[i + 1]].max()) for i in common)
        candidates = np.unique(np.concatenate([found, kept]))
        total = partial[candidates]
        for i in common:  # each posting list is sorted by passage: look the candidates up in it
            postings = indices[indptr[i] : indptr[i + 1]]
            at = np.minimum(np.searchsorted(postings, candidates), len(postings) - 1)
            present = postings[at] == candidates
            total[present] += data[indptr[i] + at[present]]
        if len(total) < EXACT_TOP or np.partition(total, len(total) - EXACT_TOP)[len(total) - EXACT_TOP] < left_out:
            # a left-out passage might reach the best EXACT_TOP: score this query exactly after all
            exact = np.asarray(self._model.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]
            return exact if mask is None else np.where(mask, exact, np.float32(0))
        out = np.zeros(n, dtype=np.float32)
        out[candidates] = total
        return out


class LexicalIndex:
    """Accented and folded BM25 indexes over the same chunks."""

    ACCENTED_DIR = "bm25_vi"
    FOLDED_DIR = "bm25_folded"

    def __init__(self, accented: BM25Side, folded: BM25Side) -> None:
        self.accented = accented
        self.folded = folded

    @classmethod
    def build(cls, texts: Iterable[str], segmented: Iterable[str]) -> LexicalIndex:
        """Both indexes, a passage at a time (see indexer/bm25_build.py)."""
        accented, folded = BM25Builder(), BM25Builder()
        for text, words in zip(texts, segmented, strict=True):
            tokens = document_tokens(text, words)
            accented.add(tokens)
            folded.add([fold_word(t) for t in tokens])
        return cls(BM25Side(accented.model()), BM25Side(folded.model()))

    def save(self, directory: Path) -> None:
        self.accented.save(directory / self.ACCENTED_DIR)
        self.folded.save(directory / self.FOLDED_DIR)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        return cls(BM25Side.load(directory / cls.ACCENTED_DIR), BM25Side.load(directory / cls.FOLDED_DIR))

    def rarity(self, words: Sequence[str], folded: bool) -> dict[str, float]:
        """Inverse document frequency over the chunks of each word (a syllable, lower case)."""
        return (self.folded if folded else self.accented).rarity([fold(w) if folded else w for w in words])

    def known(self, word: str, folded: bool) -> bool:
        """Does any passage hold this word (a syllable, lower case)?"""
        side = self.folded if folded else self.accented
        return (fold(word) if folded else word) in side.vocabulary

    def scores(
        self, query: str, folded: bool, mask: np.ndarray | None = None, keep: Sequence[int] = ()
    ) -> np.ndarray:
        """Every passage's score (0 outside `mask`); `keep`: rows whose score must be exact (BM25Side.scores)."""
        side = self.folded if folded else self.accented
        return side.scores(query_tokens(query_syllables(query, folded), side.vocabulary), mask, keep)
