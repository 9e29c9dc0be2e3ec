"""Conversation history and feedback, kept in the service's database (service/database.py) per caller
(`Principal.id`, never the key): every answered turn with what the page needs to show it again (answer,
citations, confidence), 👍/👎 with a comment on a turn, and the export of feedback as regression questions."""
