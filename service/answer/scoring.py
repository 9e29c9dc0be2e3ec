"""Scoring candidates: a stage with one job, behind a protocol so a learned scorer can replace the linear one
without touching the rest of the answerer."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from service.answer.features import FEATURES
from service.answer.parameters import ScorerWeights
from service.answer.types import Candidate, Scored


class Scorer(Protocol):
    def rank(self, candidates: list[Candidate], features: np.ndarray) -> list[Scored]:
        """Candidates best first, with a score and a probability (softmax over them)."""
        ...


class LinearScorer:
    """score = features · weights (weights by feature name; a name not in FEATURES is an error)."""

    def __init__(self, weights: ScorerWeights) -> None:
        unknown = set(weights.weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"scorer weights name unknown features: {sorted(unknown)}")
        self.vector = np.array([weights.weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)

    def rank(self, candidates: list[Candidate], features: np.ndarray) -> list[Scored]:
        if not candidates:
            return []
        scores = features @ self.vector
        shifted = np.exp(scores - scores.max())
        probabilities = shifted / shifted.sum()
        order = np.argsort(-scores, kind="stable")
        return [Scored(candidates[i], float(scores[i]), float(probabilities[i])) for i in order]
