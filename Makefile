# geo311 — two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export GEO311_SHARED ?= $(abspath ../shared)
DEMO := data/boundaries/demo
DEMO_DB := sqlite:///var/geo311.sqlite

.PHONY: setup demo test bench lint assets mutate

$(VENV)/.installed: requirements.txt setup.py pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/geo311 demo --out $(DEMO)
	$(BIN)/geo311 profile check $(DEMO)
	mkdir -p out
	$(BIN)/geo311 locate --profile $(DEMO) --csv $(DEMO)/requests.csv -o out/demo_requests_located.csv
	head -n 5001 $(DEMO)/requests.csv > out/demo_requests_sample.csv
	$(BIN)/geo311 validate --profile $(DEMO) --csv out/demo_requests_sample.csv \
		-o out/demo_requests_validated.csv --address-col address --zip-col zipcode --restart
	$(BIN)/geo311 validate --profile $(DEMO) "1200 n main street"
	$(BIN)/geo311 hotspots --profile $(DEMO) --type GRAFFITI --by hex --out maps/demo_graffiti_hotspots.html \
		--png maps/demo_graffiti_hotspots.png > /dev/null
	$(BIN)/geo311 hotspots --profile $(DEMO) --by ward --method counts --out maps/demo_requests_by_ward.html > /dev/null
	$(BIN)/geo311 hotspots --profile $(DEMO) --type ENCAMPMENT --by grid --cell-m 200 --method emerging \
		--from 2024-01-01 --to 2026-01-01 --out maps/demo_encampments_emerging.html \
		--png maps/demo_encampments_emerging.png > /dev/null
	$(BIN)/geo311 reallocation --profile $(DEMO) --department "Code Enforcement" --out maps/demo_reallocation.html \
		--csv maps/demo_reallocation.csv --png maps/demo_reallocation.png
	@echo "located requests: out/demo_requests_located.csv"
	@echo "validated addresses (first 5,000 requests): out/demo_requests_validated.csv"
	@echo "maps and the reallocation report (open offline): maps/demo_*.html, PNG copies maps/demo_*.png"
	$(BIN)/geo311 import --db $(DEMO_DB) --profile $(DEMO) $(DEMO)/requests.csv --preset demo
	@echo "a staff API key for trying the service (shown once; only its hash is stored):"
	@$(BIN)/geo311 keys create --db $(DEMO_DB) demo-$$(date +%s) --staff
	@echo "service: http://127.0.0.1:8311/api/v1/openapi.json (geo311 API),"
	@echo "  http://127.0.0.1:8311/open311/discovery.json and /open311/v2/services.json (Open311);"
	@echo "  try: curl 'http://127.0.0.1:8311/api/v1/validate?address=1200+n+main+street'"
	@echo "pages: http://127.0.0.1:8311/serves (who serves an address), /report, /status;"
	@echo "  staff: /intake (agent intake), /dashboard (planners) and /routes (crew supervisors), signed in as:"
	@user=agent-$$(date +%s); pw=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(12))'); \
		echo "$$pw" | $(BIN)/geo311 staff create --db $(DEMO_DB) $$user --password-stdin >/dev/null && \
		echo "  user $$user, password $$pw (shown once; only its hash is stored)"
	@echo "  Ctrl-C stops it"
	$(BIN)/geo311 serve --profile $(DEMO) --db $(DEMO_DB)

lint: setup
	$(BIN)/ruff check geo311 tests bench testsupport

# pytest exits 5 when it collected no test: that is a failure here, not a pass
test: lint
	$(BIN)/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

assets:
	scripts/fetch_map_assets.sh

bench: setup
	$(BIN)/python bench/bench_locate.py
	$(BIN)/python bench/bench_validate.py
	$(BIN)/python bench/bench_hotspots.py
	$(BIN)/python bench/bench_units.py
	$(BIN)/python bench/bench_routes.py
	$(BIN)/python bench/bench_store.py

# Mutation testing (scripts/mutate.py, [tool.geo311-mutate] in pyproject.toml); not part of CI.
# One module at a time, each against only its own tests. A plain `make mutate` runs the default
# (core) modules; `make mutate MODULES=geo311/service/duplicates.py` one module, `MODULES=--all`
# every listed one, `MODULES=--list` shows them.
MODULES ?=
$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

MUTATE_DEMO := $(CURDIR)/.mutmut-demo
mutate: $(VENV)/.dev-installed
	test -f $(MUTATE_DEMO)/profile.toml || $(BIN)/geo311 demo --out $(MUTATE_DEMO) > /dev/null
	GEO311_TEST_DEMO=$(MUTATE_DEMO) $(BIN)/python scripts/mutate.py --confirm $(MODULES)
