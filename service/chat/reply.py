"""A chat reply: the conversation resolved into a question, answered (extractively, or by the LLM when one is
configured and its reply checks out), and written as text with numbered sources."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.answering import Answer, Citation
from service.chat.followup import FollowUpRewriter, resolve_conversation
from service.chat.llm import LLMError, LLMGenerator, verify
from service.engine import Engine
from service.search import SearchOutcome


@dataclass
class ChatReply:
    question: str  # the standalone question that was answered
    content: str  # what the assistant says: the answer, then numbered sources
    answer: Answer
    outcome: SearchOutcome
    mode: str = "extractive"  # or "llm"
    fallback_reason: str | None = None  # why an LLM reply was not used
    notes: list[str] = field(default_factory=list)


def format_sources(citations: list[Citation], evidence: str | None = None) -> str:
    """Numbered sources; the first quotes the evidence sentence when it has one."""
    lines = []
    for i, c in enumerate(citations, 1):
        date = f", {c.date}" if c.date else ""
        quote = " ".join((evidence if i == 1 and evidence and evidence in c.text else c.text).split())
        quote = quote if len(quote) <= 220 else quote[:219].rsplit(" ", 1)[0] + "…"
        lines.append(f"[{i}] {c.title} ({c.source}{date}): “{quote}”")
    return "\n".join(lines)


def _body(answer: Answer) -> str:
    if answer.answer is None:
        return answer.message or "Các báo cáo không nêu thông tin này."
    text = answer.answer
    if answer.citations:
        text += " [1]"
    return text


def compose(text: str, citations: list[Citation], notes: list[str], evidence: str | None = None) -> str:
    parts = [text]
    parts.extend(f"({n})" for n in notes)
    if citations:
        parts.append("Nguồn / Sources:\n" + format_sources(citations, evidence))
    return "\n\n".join(parts)


def chat_reply(
    engine: Engine,
    rewriter: FollowUpRewriter,
    user_messages: list[str],
    top_k: int = 5,
    llm: LLMGenerator | None = None,
) -> ChatReply:
    question = resolve_conversation(rewriter, user_messages)[-1]
    answer, outcome = engine.ask(question, top_k)
    reply = ChatReply(question, "", answer, outcome, notes=list(answer.notes))
    text = _body(answer)
    if llm is not None and answer.citations:
        try:
            generated = llm.generate(question, answer.citations)
            problem = verify(generated, answer.citations)
        except LLMError as exc:
            generated, problem = None, str(exc)
        if generated is not None and problem is None:
            text, reply.mode = generated, "llm"
        else:
            reply.fallback_reason = problem
            reply.notes.append(
                f"Trả lời trích xuất vì câu trả lời của LLM không dùng được: {problem} "
                "(extractive answer: the LLM reply was not usable)"
            )
    reply.content = compose(text, answer.citations, reply.notes, answer.evidence)
    return reply
