"""Child process for test_full_disk.py: indexes with files limited to a few kilobytes (RLIMIT_FSIZE), which
fails writes as a full disk does (EFBIG instead of ENOSPC), and prints the CLI-style outcome."""

import resource
import signal
import sys
from pathlib import Path

from indexer.errors import IndexerError
from indexer.pipeline import Indexer
from tests.fakes import HashEmbedder

corpus, index, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing the process
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    Indexer(HashEmbedder(), progress=False).run(corpus, index)
except IndexerError as exc:
    print(f"error: {exc}")
    sys.exit(1)
print("published")
