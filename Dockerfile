# hoidap: a slim image that runs as a non-root user.  The index is built into the image from corpus/ at build
# time; mount another one at /app/data/index (and set HOIDAP_INDEX_DIR) to serve your own reports.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Tesseract with its Vietnamese model: scanned pages in corpus/ are read at build time (else they are skipped).
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    tesseract-ocr tesseract-ocr-vie && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The CPU build of torch first: an unpinned torch would pull gigabytes of CUDA packages.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 || pip install torch==2.13.0
COPY pyproject.toml README.md ./
COPY indexer ./indexer
COPY service ./service
RUN pip install .
# The reports are indexed from data/corpus, which the image keeps: the documents page can add to, replace
# and delete from the default collection there (it writes where the index says the collection was read from).
COPY corpus ./data/corpus
RUN hoidap convert-model --models-dir /app/data/models
RUN hoidap index data/corpus --index-dir /app/data/index --quiet

FROM python:3.11-slim
# … and at run time, for `hoidap index` over a mounted folder of reports.
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    tesseract-ocr tesseract-ocr-vie && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 hoidap
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=hoidap:hoidap /app/data /app/data
ENV PATH=/opt/venv/bin:$PATH HOIDAP_INDEX_DIR=/app/data/index HOIDAP_MODELS_DIR=/app/data/models HOIDAP_HOST=0.0.0.0 HOIDAP_PORT=8000 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
WORKDIR /app
USER hoidap
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["hoidap", "serve"]
