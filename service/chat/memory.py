"""What the bots remember of a conversation (a Slack thread or direct-message channel, a Zalo user), so a
follow-up there ("Còn Kon Tum thì sao?") is resolved as it is in the chat API.  In memory, per process:
the last `turns` user messages of each conversation, forgotten after `ttl` seconds of silence."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class ConversationMemory:
    def __init__(self, ttl: float = 1800.0, turns: int = 5, size: int = 10_000) -> None:
        self.ttl, self.turns, self.size = ttl, turns, size
        self._conversations: OrderedDict[str, tuple[float, tuple[str, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str, message: str) -> tuple[str, ...]:
        """Remember `message` in conversation `key`; return the conversation's messages, this one last."""
        now = time.monotonic()
        with self._lock:
            seen, messages = self._conversations.pop(key, (now, ()))
            if now - seen > self.ttl:
                messages = ()
            messages = (*messages, message)[-self.turns :]
            self._conversations[key] = (now, messages)
            while len(self._conversations) > self.size:
                self._conversations.popitem(last=False)
        return messages
