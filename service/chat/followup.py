"""Follow-up questions without an LLM: "Còn Kon Tum thì sao?" after "Quảng Nam có bao nhiêu điểm cầu?" is
asked as "Kon Tum có bao nhiêu điểm cầu?".  A follow-up that names only a province takes the previous question
with that province swapped in; one that names no province keeps the previous question's province."""

from __future__ import annotations

import re

from indexer.gazetteer import Gazetteer, Mention
from indexer.vietnamese import fold

# Words that carry no topic in a follow-up ("Còn … thì sao?", "And …?", "What about …?").
_FILLER = frozenset(
    """con thi sao the nao ra sao nhu vay va o tai tinh thanh pho tp cua and what how about for in the
    province city then ok vay nhi a ha""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W_]+")


class FollowUpRewriter:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def _topic_words(self, question: str, mentions: list[Mention]) -> list[str]:
        rest = question
        for m in sorted(mentions, key=lambda m: -m.start):
            rest = rest[: m.start] + " " + rest[m.end :]
        return [w for w in _WORD.findall(fold(rest).lower()) if w not in _FILLER]

    def rewrite(self, question: str, previous: str | None) -> str:
        """The question to answer, given the previous (already rewritten) question of the conversation."""
        if not previous:
            return question
        mentions = self.gazetteer.mentions(question)
        previous_mentions = self.gazetteer.mentions(previous)
        if mentions and not self._topic_words(question, mentions):
            # Only a province: the previous question about that province.
            new = question[mentions[0].start : mentions[0].end]
            if previous_mentions:
                first = previous_mentions[0]
                return previous[: first.start] + new + previous[first.end :]
            return f"{previous.rstrip(' ?')} ({new})?"
        if not mentions and previous_mentions:
            # A new topic without a province: the previous question's province still holds.
            first = previous_mentions[0]
            return f"{question.rstrip(' ?')} ({previous[first.start : first.end]})?"
        return question


def resolve_conversation(rewriter: FollowUpRewriter, user_messages: list[str]) -> list[str]:
    """Each user message as a standalone question, in order."""
    resolved: list[str] = []
    for message in user_messages:
        resolved.append(rewriter.rewrite(message, resolved[-1] if resolved else None))
    return resolved
