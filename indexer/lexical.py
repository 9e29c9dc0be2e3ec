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

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        known = [t for t in tokens if t in self.vocabulary]
        n = int(self._model.scores["num_docs"])  # type: ignore[attr-defined]
        if not known:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]


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

    def scores(self, query: str, folded: bool) -> np.ndarray:
        side = self.folded if folded else self.accented
        return side.scores(query_tokens(query_syllables(query, folded), side.vocabulary))
