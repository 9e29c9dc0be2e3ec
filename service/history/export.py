"""Feedback as a question set in the format of ../shared/eval (`score.py QUESTIONS ANSWERS`): one line a rated
answer, `{"id", "question", "lang", "answerable", "answers", "match", "source"}` plus what the rating said.

- 👍 on an answer: the answer given is the gold (a regression check that it stays right), its first cited
  report the source; 👍 on a refusal: not answerable (the refusal was right).
- 👎 with the right answer given: that is the gold, and the report the rated answer cited first the source
  (check it); 👎 without one: answerable, `answers` empty and `review` saying what to fill in — score.py counts
  it as a miss until someone does.

The question is the standalone one that was answered ("Kon Tum có bao nhiêu điểm cầu?", not "Còn Kon Tum thì
sao?"), so each line stands alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from service.history.store import HistoryStore, Rating, Turn


def question_of(owner: str, turn: Turn) -> dict[str, Any]:
    feedback = turn.feedback
    assert feedback is not None  # only rated turns are exported
    reply = turn.reply
    given = reply.get("answer")
    citations = reply.get("citations") or []
    first_source = citations[0].get("source") if citations else None
    review: list[str] = []
    if feedback.rating is Rating.UP:
        answerable, answers = given is not None, [given] if given is not None else []
    else:
        answerable = True
        answers = [feedback.expected] if feedback.expected else []
        if not answers:
            review.append("add the right answer to `answers`")
        review.append(
            "check `source`: the report the rated-down answer cited first" if first_source else "add `source`"
        )
    return {
        "id": f"fb-{turn.id.removeprefix('msg_')}",
        "question": turn.standalone,
        "lang": (reply.get("query") or {}).get("language", "vi"),
        "answerable": answerable,
        "answers": answers,
        "match": "any",
        "source": first_source if answerable else None,
        "review": "; ".join(review) or None,
        "feedback": {
            "rating": feedback.rating.value,
            "comment": feedback.comment,
            "expected": feedback.expected,
            "given_answer": given,
            "given_outcome": reply.get("outcome"),
            "asked": turn.question,
            "by": owner,
            "conversation_id": turn.conversation,
            "message_id": turn.id,
            "rated_at": dt.datetime.fromtimestamp(feedback.updated, dt.UTC).isoformat(timespec="seconds"),
        },
    }


def exported(store: HistoryStore, only: Rating | None) -> Iterator[dict[str, Any]]:
    for owner, turn in store.rated(only):
        yield question_of(owner, turn)
