"""The one answering path.  The HTTP API, chat, Slack, Zalo and the CLI all ask here, so every surface gets
the same follow-up handling, time budget, confidence and refusal, and the same optional LLM; surfaces differ
only in transport and formatting (service/formatting/)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from service.answer import Answer, Outcome
from service.chat.followup import FollowUpRewriter, resolve_conversation
from service.chat.llm import LLMError, LLMGenerator, verify
from service.engine import EngineHolder
from service.errors import ServiceError
from service.search import ExplicitFilters, SearchOutcome


class TooSlow(ServiceError):
    status = 503
    code = "timeout"


@dataclass(frozen=True)
class Question:
    """What a surface asks: the user's messages of a conversation, oldest first — the last one is the question,
    the earlier ones resolve a follow-up ("Còn Kon Tum thì sao?") — with how many passages to cite."""

    conversation: tuple[str, ...]
    top_k: int = 5
    filters: ExplicitFilters | None = None

    @classmethod
    def single(cls, text: str, top_k: int = 5, filters: ExplicitFilters | None = None) -> Question:
        return cls((text,), top_k, filters)


@dataclass
class Reply:
    question: str  # the standalone question that was answered
    answer: Answer
    outcome: SearchOutcome
    generated: str | None = None  # the LLM's reply, when one was used (verified against the passages)
    fallback_reason: str | None = None  # why an LLM reply was not used
    notes: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return "llm" if self.generated is not None else "extractive"

    @property
    def answered(self) -> bool:
        return self.answer.answer is not None


class Asker:
    """Answers Questions from the live index generation (holder), with the follow-up rewriter, the optional
    LLM and the per-request time budget."""

    def __init__(self, holder: EngineHolder, llm: LLMGenerator | None = None, time_budget: float = 30.0) -> None:
        self.holder = holder
        self.rewriter = FollowUpRewriter(holder.gazetteer)
        self.llm = llm
        self.time_budget = time_budget

    def answer(self, question: Question) -> Reply:
        """Blocking: resolve the conversation, answer extractively, then let the LLM phrase a given answer."""
        standalone = resolve_conversation(self.rewriter, list(question.conversation))[-1]
        answer, outcome = self.holder.current().ask(standalone, question.top_k, question.filters)
        reply = Reply(standalone, answer, outcome, notes=list(answer.notes))
        # The LLM only phrases an answer the reports give: a refusal (no report, another figure, low
        # confidence) stands, whatever a model would say.
        if self.llm is not None and answer.outcome is Outcome.ANSWERED and answer.citations:
            try:
                generated = self.llm.generate(standalone, answer.citations)
                problem = verify(generated, answer.citations)
            except LLMError as exc:
                generated, problem = None, str(exc)
            if generated is not None and problem is None:
                reply.generated = generated
            else:
                reply.fallback_reason = problem
                reply.notes.append(
                    f"Trả lời trích xuất vì câu trả lời của LLM không dùng được: {problem} "
                    "(extractive answer: the LLM reply was not usable)"
                )
        return reply

    async def answer_within_budget(self, question: Question) -> Reply:
        """`answer` in a worker thread, 503 (TooSlow) past the time budget."""
        return await within_budget(self.time_budget, self.answer, question)


T = TypeVar("T")


async def within_budget(seconds: float, work: Callable[..., T], *args: Any) -> T:
    """Run blocking work in the thread pool within a time budget (TooSlow past it)."""
    try:
        # A thread cannot be stopped: past the budget its result is abandoned and the caller answered now.
        with anyio.fail_after(seconds):
            return await anyio.to_thread.run_sync(functools.partial(work, *args), abandon_on_cancel=True)
    except TimeoutError as exc:
        raise TooSlow(f"the answer took longer than {seconds:g} s; try again or narrow the question") from exc
