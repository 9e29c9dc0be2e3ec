"""Building a bm25s index one passage at a time.

bm25s's own `index()` takes every passage's token list at once: at a million passages those lists (about
250 million Python strings) took over 20 GB and the build was killed.  `BM25Builder` keeps only the
postings, in compact arrays (12 bytes each), and computes the same matrix bm25s does — Lucene's BM25 with
k1 1.2 and b 0.75, idf log(1 + (N − df + 0.5) / (df + 0.5)) — into a `bm25s.BM25` that is saved, loaded and
queried exactly like one bm25s built (a test compares the two on Vietnamese passages).
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

K1 = 1.2
B = 0.75
EMPTY = "\x00empty"  # the token of a passage with none (bm25s wants at least one)


class BM25Builder:
    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self._tokens = array("i")  # token id of each posting
        self._counts = array("i")  # its count in the passage
        self._postings = array("i")  # postings of each passage
        self._lengths = array("i")  # tokens of each passage

    def add(self, tokens: Sequence[str]) -> None:
        tokens = tokens or [EMPTY]
        vocabulary = self.vocabulary
        counts = Counter(vocabulary.setdefault(t, len(vocabulary)) for t in tokens)
        self._tokens.extend(counts.keys())
        self._counts.extend(counts.values())
        self._postings.append(len(counts))
        self._lengths.append(len(tokens))

    def model(self) -> Any:
        """The finished index as a `bm25s.BM25`."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        n_docs, n_vocab = len(self._lengths), len(self.vocabulary)
        token = np.frombuffer(self._tokens, dtype=np.int32)
        tf = np.frombuffer(self._counts, dtype=np.int32).astype(np.float32)
        doc = np.repeat(np.arange(n_docs, dtype=np.int32), np.frombuffer(self._postings, dtype=np.int32))
        length = np.frombuffer(self._lengths, dtype=np.int32).astype(np.float64)
        df = np.bincount(token, minlength=n_vocab)
        idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        tfc = tf / (K1 * ((1 - B) + B * length[doc] / length.mean()) + tf)
        weights = (idf[token].astype(np.float64) * tfc).astype(np.float32)
        order = np.argsort((token.astype(np.int64) << 32) | doc.astype(np.int64))  # by token, then passage
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        model = bm25s.BM25(k1=K1, b=B)
        model.scores = {"data": weights[order], "indices": doc[order], "indptr": indptr, "num_docs": n_docs}
        model.vocab_dict = dict(self.vocabulary)
        model.unique_token_ids_set = set(self.vocabulary.values())
        model.nonoccurrence_array = None
        return model
