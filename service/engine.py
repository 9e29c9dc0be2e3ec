"""The engine: one loaded index generation with everything that answers from it, and the holder that
swaps in a newly published generation without a restart (each request uses exactly one engine)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from indexer.embedders import Embedder, make_embedder
from indexer.errors import IndexLoadError
from indexer.gazetteer import Gazetteer
from indexer.layout import IndexLayout
from indexer.reader import PublishedIndex, open_generation
from service.analysis import junk_reason
from service.answer import Answer, Answerer, Outcome
from service.errors import IndexNotReady
from service.retrieval import RetrievalMode
from service.search import ExplicitFilters, SearchOutcome, SearchService
from service.settings import Settings

log = logging.getLogger("hoidap.engine")


@dataclass
class Engine:
    index: PublishedIndex
    search_service: SearchService
    answerer: Answerer

    @property
    def generation(self) -> str:
        return self.index.generation

    def search(
        self,
        question: str,
        top_k: int = 5,
        filters: ExplicitFilters | None = None,
        mode: RetrievalMode = RetrievalMode.HYBRID,
    ) -> SearchOutcome:
        if reason := junk_reason(question):
            return self._refused(question, reason, filters)
        return self.search_service.search(question, top_k, filters, mode)

    def _refused(self, question: str, reason: str, filters: ExplicitFilters | None) -> SearchOutcome:
        """No search for a question that names nothing: no passages, the reason as a note (bad filters are
        still refused as such)."""
        analysis = self.search_service.analyzer.analyze(question)
        applied, _ = self.search_service.filters_for(analysis, filters or ExplicitFilters())
        return SearchOutcome(analysis, [], applied, self.index, notes=[reason])

    def ask(
        self, question: str, top_k: int = 5, filters: ExplicitFilters | None = None
    ) -> tuple[Answer, SearchOutcome]:
        if reason := junk_reason(question):
            refusal = Answer(None, None, [], message=reason, outcome=Outcome.NOT_A_QUESTION)
            return refusal, self._refused(question, reason, filters)
        outcome = self.search_service.search(question, max(top_k, self.answerer.candidate_hits), filters)
        return self.answerer.answer(outcome, top_k), outcome


class EngineHolder:
    """Loads the live generation and reloads when `CURRENT` names another one."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, gazetteer: Gazetteer | None = None):
        self.settings = settings
        self.embedder = embedder or make_embedder(settings.embedder, settings.embed_threads, settings.models_dir)
        self.gazetteer = gazetteer or Gazetteer.load()
        self.layout = IndexLayout(settings.index_dir)
        self._engine: Engine | None = None
        self._error: str | None = "not loaded yet"
        self._lock = threading.Lock()
        self._checked = 0.0

    def load(self) -> None:
        import faiss

        faiss.omp_set_num_threads(1)  # one query at a time: threads cost more than they give (see README)
        self.embedder.load()
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Load the generation named by CURRENT if it is not the one serving; keep the old one on failure."""
        with self._lock:
            self._checked = time.monotonic()
            name = self.layout.current_name()
            if name is None:
                self._error = f"no index at {self.settings.index_dir}: run `hoidap index` first"
                return
            if not force and self._engine is not None and self._engine.generation == name:
                return
            try:
                index = open_generation(self.layout.root / name, self.embedder.id)
            except IndexLoadError as exc:
                self._error = str(exc)
                log.error("index generation %s refused: %s", name, exc)
                return
            answerer = Answerer(self.gazetteer, min_confidence=self.settings.min_confidence)
            search = SearchService(index, self.embedder, self.gazetteer, reranker=self.settings.reranker)
            self._engine = Engine(index, search, answerer)
            self._error = None
            log.info("serving index generation %s", name)

    def current(self) -> Engine:
        if time.monotonic() - self._checked > self.settings.reload_check_seconds:
            self.refresh()
        engine = self._engine
        if engine is None:
            raise IndexNotReady(self._error or "index not loaded")
        return engine

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def engine(self) -> Engine | None:
        return self._engine
