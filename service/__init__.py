"""hoidap service: question analysis, hybrid retrieval, extractive answers, HTTP API and CLI."""
