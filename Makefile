# narcowatch: `make demo` runs it, `make test` tests it.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TSTAMP  := $(VENV)/.installed-test
ASSETS  := node_modules/.installed
DEBS    := chromium tesseract-ocr tesseract-ocr-rus tesseract-ocr-kaz fonts-dejavu-core \
           fonts-noto-color-emoji zbar-tools libzbar0 openssl openjdk-17-jre-headless
PIP     := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: venv venv-test assets model demo test lint format typecheck bench system-deps clean

# The application alone (what `make demo` needs).
venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) --upgrade pip > $(VENV)/pip.log 2>&1 || (cat $(VENV)/pip.log; exit 1)
	$(PIP) -e . > $(VENV)/pip.log 2>&1 || (cat $(VENV)/pip.log; exit 1)
	$(BIN)/python -c "import narcowatch, fastapi, sqlalchemy, sklearn"
	touch $@

# Plus the test tools and the optional engines the tests exercise (Spark, FtM/STIX).
venv-test: $(TSTAMP)

$(TSTAMP): $(STAMP)
	$(PIP) -e '.[test,spark,interop]' > $(VENV)/pip.log 2>&1 || (cat $(VENV)/pip.log; exit 1)
	$(BIN)/python -c "import pytest, playwright, pyspark, followthemoney, stix2"
	touch $@

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The drugs.v1 classifier, trained from data/corpus with a fixed seed (never downloaded).
MODEL := $(or $(NARCOWATCH_DATA_DIR),.narcowatch)/models/drugs.v1/model.pkl

model: $(MODEL)

$(MODEL): $(STAMP) $(wildcard data/corpus/*.jsonl data/lexicon/*.yaml)
	$(BIN)/narcowatch train

demo: venv assets model
	$(BIN)/narcowatch demo

system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "tests need Debian packages; run: sudo apt-get install -y$$missing"; exit 1; \
	fi

lint: venv-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench

format: venv-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix .

typecheck: venv-test
	$(BIN)/mypy

test: venv-test assets system-deps
	$(BIN)/ruff check .
	@if [ -z "$$NARCOWATCH_TEST_DATABASE_URL" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		export NARCOWATCH_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres; \
		echo "PostgreSQL tests: on ($$NARCOWATCH_TEST_DATABASE_URL)"; \
	fi; \
	$(BIN)/pytest -q $(PYTEST_ARGS)

bench: venv-test
	$(BIN)/python bench/pipeline_speed.py
	$(BIN)/python bench/classify_speed.py
	$(BIN)/python bench/extract_speed.py
	$(BIN)/python bench/bot_load.py --users 1000

clean:
	rm -rf $(VENV) node_modules .narcowatch .pytest_cache .ruff_cache .mypy_cache
