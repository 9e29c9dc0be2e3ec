"""Junk in, refusal out: a question without letters, or without a word that names anything, is refused with
a message on every surface (the engine, the API, chat) instead of being answered with the nearest passage."""

import pytest
from fastapi.testclient import TestClient

from service.analysis import JUNK_NO_CONTENT, JUNK_NO_LETTERS, junk_reason
from service.api.app import create_app

JUNK = {
    "empty after normalisation": ("\u00ad\u2060\ufeff \t\u3000", JUNK_NO_LETTERS),
    "zero-width only": ("\u200b\u200c\u200d" * 50, JUNK_NO_LETTERS),
    "emoji only": ("😀" * 1997 + "🇻🇳👍", JUNK_NO_LETTERS),  # 2,000 characters, the most a question may have
    "punctuation and digits": ("??? 2012 !!! 19%", JUNK_NO_LETTERS),
    "greeting": ("Xin chào bạn ơi!", JUNK_NO_CONTENT),
    "English greeting": ("Hello, thanks!", JUNK_NO_CONTENT),
    "one question word": ("gì?", JUNK_NO_CONTENT),
    "one word without diacritics": ("sao", JUNK_NO_CONTENT),
    "question words only": ("What is it?", JUNK_NO_CONTENT),
    "emoji around a greeting": ("👋 chào 👋", JUNK_NO_CONTENT),
}
REAL = [
    "Quảng Nam có bao nhiêu điểm cầu?",
    "quang nam co bao nhieu diem cau",
    "How many servers does Kon Tum have?",
    "CNTT",  # one word that names something: not junk (the answerer decides)
    "máy chủ",
    "\u200bKon\u200b Tum có bao nhiêu máy chủ ở cấp tỉnh?",  # zero-width characters inside a real question
]


@pytest.mark.parametrize(("question", "reason"), JUNK.values(), ids=JUNK.keys())
def test_junk_is_recognised(question: str, reason: str) -> None:
    assert junk_reason(question) == reason


@pytest.mark.parametrize("question", REAL)
def test_real_questions_pass(question: str) -> None:
    assert junk_reason(question) is None


@pytest.mark.parametrize(("question", "reason"), JUNK.values(), ids=JUNK.keys())
def test_every_surface_refuses_junk(seed_engine, seed_holder, question: str, reason: str) -> None:
    answer, outcome = seed_engine.ask(question)
    assert answer.answer is None and answer.message == reason and answer.citations == []
    searched = seed_engine.search(question)
    assert searched.hits == [] and searched.notes == [reason]
    with TestClient(create_app(seed_holder.settings, holder=seed_holder)) as client:
        body = client.post("/v1/ask", json={"question": question}).json()
        assert body["answer"] is None and body["message"] == reason
        chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]})
        assert chat.status_code == 200 and chat.json()["choices"][0]["message"]["content"] == reason


def test_a_real_question_with_zero_width_characters_is_still_answered(seed_engine) -> None:
    answer, _ = seed_engine.ask(REAL[-1])
    assert answer.answer is not None and "67" in answer.answer
