"""Child process for test_crash.py: indexes CORPUS into INDEX with a slow fake embedder and, when asked,
stops at one step of the publish protocol (printing where) so the parent can kill -9 it exactly there."""

import os
import sys
import time
from pathlib import Path

import indexer.layout as layout
from indexer.pipeline import Indexer
from tests.fakes import HashEmbedder


class SlowEmbedder(HashEmbedder):
    def embed(self, texts, kind):
        time.sleep(0.01 * len(texts))
        return super().embed(texts, kind)


def main() -> None:
    corpus, index, stop_at = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    real_rename, real_replace = os.rename, os.replace

    def pause(point: str) -> None:
        if point == stop_at:
            print(f"AT {point}", flush=True)
            time.sleep(60)

    def rename(src, dst):
        pause("before-rename")
        real_rename(src, dst)
        pause("after-rename")

    def replace(src, dst):
        pause("before-current")
        real_replace(src, dst)
        pause("after-current")

    layout.os.rename = rename  # type: ignore[attr-defined]
    layout.os.replace = replace  # type: ignore[attr-defined]
    print("START", flush=True)
    Indexer(SlowEmbedder(), progress=False, batch_size=4).run(corpus, index)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
