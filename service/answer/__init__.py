"""Extractive answers with citations, a calibrated confidence, or an honest refusal."""

from service.answer.answerer import Answerer, Trace
from service.answer.types import Answer, Citation, Outcome

__all__ = ["Answer", "Answerer", "Citation", "Outcome", "Trace"]
