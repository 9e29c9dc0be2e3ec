"""hoidap indexer: from Vietnamese report files to a published, atomically switched index."""
