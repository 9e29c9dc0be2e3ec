"""The limits a request must keep, named once: the API's models, the chat model, the CLI and the README use
these (a limit changed here changes everywhere).  No imports: the CLI reads it before anything heavy loads."""

MAX_QUESTION_CHARS = 2000  # a question (or a chat's last user message) longer than this is refused
TOP_K_MIN = 1
TOP_K_MAX = 100  # passages returned by search or cited by an answer; evaluation asks search for 100
TOP_K_DEFAULT = 5
MAX_CHAT_MESSAGES = 100  # messages in one chat request
MAX_UPLOAD_FILES = 100  # files in one upload request
MAX_FILENAME_BYTES = 255  # an uploaded file's name, UTF-8 (what file systems take)
JOBS_LISTED = 50  # GET /v1/jobs: the caller's newest jobs
DOCUMENTS_PAGE_DEFAULT = 100  # GET /v1/documents: documents a page when `limit` is not given
DOCUMENTS_PAGE_MAX = 1000  # … and at most


def question_problem(question: str) -> str | None:
    """Why a question cannot be taken as given (empty, too long), in the words the API and the CLI use."""
    if not question.strip():
        return "question must not be empty"
    if len(question) > MAX_QUESTION_CHARS:
        return f"question is {len(question):,} characters; at most {MAX_QUESTION_CHARS:,} are accepted"
    return None


def top_k_problem(top_k: int) -> str | None:
    if not TOP_K_MIN <= top_k <= TOP_K_MAX:
        return f"top_k must be from {TOP_K_MIN} to {TOP_K_MAX}"
    return None


# History and feedback (service/history/)
CONVERSATION_TITLE_CHARS = 80  # a conversation is titled with the start of its first question
CONVERSATIONS_LISTED_DEFAULT = 50  # GET /v1/conversations returns the most recent ones, at most
CONVERSATIONS_LISTED_MAX = 200
MAX_FEEDBACK_CHARS = 2000  # a feedback comment, or the right answer a user gives
MAX_ID_CHARS = 64  # conversation and message ids the API accepts
