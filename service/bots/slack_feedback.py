"""Feedback in Slack: 👍/👎 buttons under the bot's answer (Block Kit `actions`), and what Slack posts to the
interactivity endpoint when one is pressed (`block_actions`, then the comment dialog's `view_submission`).
The answer is remembered in the history store under the workspace (`slack:<team id>`), one conversation per
thread, so the buttons rate a stored turn and `hoidap feedback export` sees it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from service.bots.payloads import text_field
from service.history.store import Rating
from service.limits import MAX_FEEDBACK_CHARS

ACTIONS = {"feedback_up": Rating.UP, "feedback_down": Rating.DOWN}
COMMENT_VIEW = "feedback_comment"  # callback_id of the comment dialog
COMMENT_BLOCK, EXPECTED_BLOCK = "comment", "expected"


def owner_of(team_id: str) -> str:
    """Whose history a Slack answer is kept in: the workspace's (anyone in it may rate an answer)."""
    return f"slack:{team_id or 'unknown'}"


def conversation_id(key: str) -> str:
    """A stable conversation id for a Slack thread or channel (the workspace and the bot's memory key)."""
    return "slack_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def buttons(message_id: str) -> dict[str, Any]:
    def button(action: str, label: str) -> dict[str, Any]:
        text = {"type": "plain_text", "text": label, "emoji": True}
        return {"type": "button", "action_id": action, "text": text, "value": message_id}

    return {
        "type": "actions",
        "block_id": "feedback",
        "elements": [button("feedback_up", "👍 Đúng"), button("feedback_down", "👎 Sai")],
    }


def comment_view(message_id: str, rating: Rating) -> dict[str, Any]:
    """The dialog opened after a button: an optional comment and, after 👎, the right answer."""

    def field(block: str, label: str, multiline: bool) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block,
            "optional": True,
            "label": {"type": "plain_text", "text": label},
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": multiline,
                "max_length": MAX_FEEDBACK_CHARS,
            },
        }

    blocks = [field(COMMENT_BLOCK, "Nhận xét (không bắt buộc)", True)]
    if rating is Rating.DOWN:
        blocks.append(field(EXPECTED_BLOCK, "Câu trả lời đúng, nếu bạn biết", False))
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": json.dumps({"message_id": message_id, "rating": rating.value}),
        "title": {"type": "plain_text", "text": "Cảm ơn phản hồi!"},
        "submit": {"type": "plain_text", "text": "Gửi"},
        "close": {"type": "plain_text", "text": "Bỏ qua"},
        "blocks": blocks,
    }


@dataclass(frozen=True)
class SlackFeedback:
    owner: str
    message_id: str
    rating: Rating
    comment: str | None = None
    expected: str | None = None
    trigger_id: str = ""  # a button press: the comment dialog opens with it


def _value(state: Any, block: str) -> str | None:
    text = text_field(state, block, "value", "value").strip()
    return text[:MAX_FEEDBACK_CHARS] or None


def read_interaction(payload: dict[str, Any]) -> SlackFeedback | None:
    """The feedback an interactivity payload carries, or None (another action, another dialog, a payload of
    any other shape)."""
    owner = owner_of(text_field(payload, "team", "id") or text_field(payload, "user", "team_id"))
    kind = text_field(payload, "type")
    if kind == "block_actions":
        actions = payload.get("actions")
        action = actions[0] if isinstance(actions, list) and actions else {}
        rating = ACTIONS.get(text_field(action, "action_id"))
        message_id = text_field(action, "value")
        if rating is None or not message_id:
            return None
        return SlackFeedback(owner, message_id, rating, trigger_id=text_field(payload, "trigger_id"))
    if kind == "view_submission" and text_field(payload, "view", "callback_id") == COMMENT_VIEW:
        try:
            meta = json.loads(text_field(payload, "view", "private_metadata"))
            message_id, rating = str(meta["message_id"]), Rating(meta["rating"])
        except (ValueError, KeyError, TypeError):
            return None
        state: Any = payload
        for key in ("view", "state", "values"):
            state = state.get(key) if isinstance(state, dict) else None
        return SlackFeedback(owner, message_id, rating, _value(state, COMMENT_BLOCK), _value(state, EXPECTED_BLOCK))
    return None
