"""Chat: the OpenAI-compatible endpoint driven by the official openai client against a real uvicorn, follow-up
questions, and the LLM path against a local stand-in backend."""

import re

import openai
import pytest
from fastapi.testclient import TestClient

from indexer.gazetteer import Gazetteer
from service.api.app import create_app
from service.asking import Asker, Question
from service.chat.followup import FollowUpRewriter, resolve_conversation
from service.chat.llm import LLMGenerator, verify
from service.formatting.text import plain_text
from tests.service.llm_standin import received
from tests.service.llm_standin import standin as start_standin

QUESTION = "Quảng Nam có bao nhiêu điểm cầu hội nghị truyền hình?"


@pytest.fixture(scope="module")
def client(live_server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server}/v1", api_key="not-needed", max_retries=0)


def test_models(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list().data] == ["hoidap"]


def test_completion_with_the_openai_client(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="hoidap", messages=[{"role": "user", "content": QUESTION}])
    content = reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "stop"
    assert content.startswith("19 điểm") and "Nguồn / Sources:\n[1] " in content
    extra = reply.model_extra
    assert extra["citations"][0]["source"] == "quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"
    assert extra["hoidap"]["generation"] == {"mode": "extractive", "fallback_reason": None}


def test_streaming_with_a_follow_up(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="hoidap",
        stream=True,
        messages=[
            {"role": "user", "content": "Quảng Nam có bao nhiêu điểm cầu?"},
            {"role": "assistant", "content": "19 điểm [1]"},
            {"role": "user", "content": "Còn Kon Tum thì sao?"},
        ],
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    # the report counts 14 points installed and 13 in use: either figure comes from the Kon Tum report
    assert re.match(r"1[34] điểm cầu", text) and "kon-tum-2012-danh-gia-ha-tang-ung-dung-cntt.txt" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["hoidap"]["question"] == "Kon Tum có bao nhiêu điểm cầu?"
    assert last.model_extra["citations"]
    assert len(chunks) > 4  # streamed in pieces


def test_bad_chat_requests(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="hoidap", messages=[{"role": "user", "content": "  "}])
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="hoidap", messages=[{"role": "assistant", "content": "hi"}])


def test_an_unknown_model_is_refused_as_openai_does(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    error = caught.value
    assert error.status_code == 404 and error.code == "model_not_found" and error.param == "model"
    assert error.type == "invalid_request_error" and "gpt-4o" in error.message


def test_a_conversation_that_ends_with_the_assistant_is_not_answered_again(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.chat.completions.create(
            model="hoidap",
            messages=[
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": "19 điểm [1]"},
            ],
        )
    assert "must end with a user message" in caught.value.message and caught.value.param == "messages"


def test_n_above_one_is_refused(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.chat.completions.create(model="hoidap", n=2, messages=[{"role": "user", "content": QUESTION}])
    assert "only n=1" in caught.value.message and caught.value.param == "n"
    one = client.chat.completions.create(model="hoidap", n=1, messages=[{"role": "user", "content": QUESTION}])
    assert len(one.choices) == 1


def test_usage_counts_tokens_with_the_embedders_tokenizer(client: openai.OpenAI, embedder) -> None:
    from indexer.types import EmbedKind

    def tokens(text: str) -> int:  # without the "passage: " prompt and <s> </s>, as the service counts
        return embedder.count_tokens(text, EmbedKind.PASSAGE) - embedder.count_tokens("", EmbedKind.PASSAGE)

    reply = client.chat.completions.create(model="hoidap", messages=[{"role": "user", "content": QUESTION}])
    usage = reply.usage
    assert usage.prompt_tokens == tokens(QUESTION) > 5
    assert usage.completion_tokens == tokens(reply.choices[0].message.content) > 5
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    stream = client.chat.completions.create(
        model="hoidap",
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": QUESTION}],
    )
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == usage.total_tokens
    assert all(c.usage is None for c in chunks[:-1])


def test_follow_up_rewriting() -> None:
    rewriter = FollowUpRewriter(Gazetteer.load())
    assert resolve_conversation(rewriter, [QUESTION, "Còn Kon Tum thì sao?"])[-1] == (
        "Kon Tum có bao nhiêu điểm cầu hội nghị truyền hình?"
    )
    assert resolve_conversation(rewriter, ["How many servers does Quảng Nam have?", "And Kon Tum?"])[-1] == (
        "How many servers does Kon Tum have?"
    )
    chain = resolve_conversation(rewriter, [QUESTION, "Có bao nhiêu máy chủ?", "Thế còn Khánh Hòa?"])
    assert chain[1] == "Có bao nhiêu máy chủ (Quảng Nam)?" and chain[2] == "Có bao nhiêu máy chủ (Khánh Hòa)?"
    assert rewriter.rewrite("Kon Tum có bao nhiêu máy chủ?", QUESTION) == "Kon Tum có bao nhiêu máy chủ?"


def test_verify_llm_replies(seed_engine) -> None:
    answer, _ = seed_engine.ask(QUESTION, 3)
    passages = answer.citations
    assert verify("Quảng Nam có 19 điểm cầu [1].", passages) is None
    assert "number" in verify("Quảng Nam có 23 điểm cầu [1].", passages)
    assert "does not exist" in verify("19 điểm [9].", passages)
    assert "cites no passage" in verify("19 điểm.", passages)


@pytest.fixture(scope="module")
def standin():
    with start_standin() as server:
        yield server


@pytest.mark.parametrize(
    ("model", "mode", "reason"),
    [
        ("good", "llm", None),
        ("invented", "extractive", "number"),
        ("uncited", "extractive", "cites no passage"),
        ("slow", "extractive", "timed out"),
        ("broken", "extractive", "HTTP 500"),
    ],
)
def test_llm_path_with_a_standin_backend(seed_holder, standin, model: str, mode: str, reason: str | None) -> None:
    llm = LLMGenerator(f"{standin.url}/v1", model, api_key="secret", timeout=1.0)
    reply = Asker(seed_holder, llm).answer(Question.single(QUESTION, 3))
    content = plain_text(reply.answer, reply.generated, reply.notes)
    assert reply.mode == mode
    if reason is None:
        assert reply.fallback_reason is None and content.startswith("Theo báo cáo, con số là")
        sent = received[-1]
        assert sent["model"] == "good" and "[1]" in sent["messages"][-1]["content"]
    else:
        assert reason in reply.fallback_reason
        assert content.startswith("19 điểm")  # the extractive answer stands
        assert any("LLM" in note for note in reply.notes)


def test_a_refusal_is_not_handed_to_the_llm(seed_holder, standin) -> None:
    """The LLM phrases answers the reports give; a question they refuse stays refused whatever a model says."""
    received.clear()
    llm = LLMGenerator(f"{standin.url}/v1", "good", api_key="secret", timeout=1.0)
    reply = Asker(seed_holder, llm).answer(Question.single("Khánh Hòa có bao nhiêu máy in?", 3))
    assert reply.answer.answer is None and reply.generated is None and reply.mode == "extractive"
    assert not received


def test_llm_configured_through_settings(seed_holder, standin) -> None:
    settings = seed_holder.settings.model_copy(update={"llm_base_url": f"{standin.url}/v1", "llm_model": "invented"})
    with TestClient(create_app(settings, holder=seed_holder)) as c:
        body = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}).json()
    assert body["hoidap"]["generation"]["mode"] == "extractive"
    assert "987654" not in body["choices"][0]["message"]["content"]
