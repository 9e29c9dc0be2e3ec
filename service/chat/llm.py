"""Optional LLM answers through any OpenAI-compatible backend (vLLM, Ollama, llama.cpp server, a hosted API).

The LLM gets the numbered passages and must cite them as [1], [2].  Its reply is used only when every cited
number exists and every number it states appears in a passage it cites; otherwise, and on timeouts and
backend errors, the extractive answer stands and the response says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from service.answer import Citation
from service.settings import Settings

SYSTEM_PROMPT = (
    "Bạn trả lời câu hỏi chỉ dựa trên các đoạn trích được đánh số. Trả lời ngắn gọn, bằng ngôn ngữ của câu hỏi, "
    "và ghi nguồn bằng số trong ngoặc vuông như [1], [2] sau mỗi ý. Nếu các đoạn trích không trả lời được, hãy "
    "nói rõ như vậy. / Answer only from the numbered passages, briefly, in the question's language, citing "
    "them as [1], [2]. If they do not answer it, say so."
)
_CITE = re.compile(r"\[(\d{1,2})\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class LLMError(Exception):
    """The backend failed: timeout, HTTP error, or a reply without text."""


def _value(token: str) -> str:
    """3.359 = 3359, 06 = 6, 0,7 = 0.7 (as the evaluation compares numbers)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):
        token = token.replace(".", "")
    token = token.replace(",", ".")
    try:
        number = float(token)
    except ValueError:
        return token
    return str(int(number)) if number.is_integer() else str(number)


def verify(reply: str, passages: list[Citation]) -> str | None:
    """Why a reply cannot be used, or None when every citation exists and every number is in a cited passage."""
    cited = [int(n) for n in _CITE.findall(reply)]
    if not cited:
        return "the reply cites no passage"
    if any(not 1 <= n <= len(passages) for n in cited):
        return "the reply cites a passage that does not exist"
    allowed = {_value(t) for n in set(cited) for t in _NUMBER.findall(passages[n - 1].text)}
    for token in _NUMBER.findall(_CITE.sub(" ", reply)):
        if _value(token) not in allowed:
            return "the reply states a number that no cited passage holds"
    return None


def llm_from_settings(settings: Settings) -> LLMGenerator | None:
    """The configured LLM backend, or None (HOIDAP_LLM_BASE_URL unset)."""
    if not settings.llm_base_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LLMGenerator(settings.llm_base_url, settings.llm_model, key, settings.llm_timeout_seconds)


@dataclass(frozen=True)
class LLMGenerator:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 20.0

    def prompt(self, question: str, passages: list[Citation]) -> list[dict[str, str]]:
        numbered = "\n\n".join(
            f"[{i}] {p.title} ({p.source}{', ' + p.date if p.date else ''}):\n{p.text}"
            for i, p in enumerate(passages, 1)
        )
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Đoạn trích / Passages:\n\n{numbered}\n\nCâu hỏi / Question: {question}"},
        ]

    def generate(self, question: str, passages: list[Citation]) -> str:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        payload = {"model": self.model, "messages": self.prompt(question, passages), "temperature": 0}
        try:
            response = httpx.post(
                f"{self.base_url.rstrip('/')}/chat/completions", json=payload, headers=headers, timeout=self.timeout
            )
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"]
        except httpx.TimeoutException as exc:
            raise LLMError(f"the LLM backend timed out after {self.timeout:g} s") from exc
        except httpx.HTTPStatusError as exc:
            raise LLMError(f"the LLM backend answered HTTP {exc.response.status_code}") from exc
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise LLMError(f"the LLM backend failed ({exc.__class__.__name__})") from exc
        if not isinstance(text, str) or not text.strip():
            raise LLMError("the LLM backend returned no text")
        return text.strip()
