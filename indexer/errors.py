"""Errors the indexer raises.  `SkipFile` is per file (the file is skipped with its reason, the run goes
on); `IndexerError` stops a run before anything is published."""


class SkipFile(Exception):
    """A file that cannot be indexed; str(error) is the reason shown to the user."""


class IndexerError(Exception):
    """A run that cannot go on (bad configuration, embedder mismatch, lock held, nothing to index)."""


class IndexLoadError(Exception):
    """A published index that cannot be read (missing, corrupted, built by another embedder)."""


class IndexLocked(IndexerError):
    """Another indexer holds the index's writer lock (a background job waits and tries again)."""
