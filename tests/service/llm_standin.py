"""A stand-in for an OpenAI-compatible LLM backend, on 127.0.0.1, for tests of the LLM path.  The requested
model name picks the behaviour: "good" (cites [1] with a number from passage 1), "invented" (a number no
passage holds), "slow" (answers after 3 s), "broken" (HTTP 500), "uncited" (no [n])."""

from __future__ import annotations

import asyncio
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.servers import ThreadedServer

app = FastAPI()
received: list[dict] = []


@app.post("/v1/chat/completions")
async def completions(request: Request) -> JSONResponse:
    body = await request.json()
    received.append({**body, "authorization": request.headers.get("authorization")})
    prompt = body["messages"][-1]["content"]
    model = body["model"]
    if model == "broken":
        return JSONResponse({"error": {"message": "boom"}}, status_code=500)
    if model == "slow":
        await asyncio.sleep(3)
    passage = prompt.split("[1]", 1)[1].split("\n", 1)[1] if "[1]" in prompt else ""
    number = re.search(r"\d+(?:[.,]\d+)*", passage)
    text = {
        "good": f"Theo báo cáo, con số là {number.group(0) if number else 'không rõ'} [1].",
        "invented": "Tỉnh có 987654 điểm cầu [1].",
        "uncited": f"Con số là {number.group(0) if number else '1'}.",
        "slow": "Trả lời chậm [1].",
    }[model]
    return JSONResponse(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        }
    )


def standin() -> ThreadedServer:
    return ThreadedServer(app)
