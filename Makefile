# TTĐN Plan Approval Suite — the commands a newcomer needs.
#   make run    install, migrate, load sample plans, start the whole suite
#   make test   install, make sure PostgreSQL and RabbitMQ are up, run every test
#   make bench  measure the suite against baselines taken in the same run
#   make up     the production shape under docker compose (needs a Docker engine)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := libs/servicekit infra/devidp services/plans services/approvals services/notifications gateway
STAMP := $(VENV)/.installed

.PHONY: install run test test-unit test-integration test-e2e bench demo-data up lint clean messages asyncapi

install: $(STAMP)

$(STAMP): requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	touch $(STAMP)

run: install
	infra/local/ensure-document-tools.sh
	$(BIN)/python infra/local/run.py

# The domain and service layers (and the kit) must stay type-clean; the rest is linted.
TYPED := libs/servicekit/src/servicekit $(foreach s,plans approvals notifications,services/$(s)/src/$(s)/domain services/$(s)/src/$(s)/service_layer)

# make test runs the suite on TEST_WORKERS pytest-xdist workers side by side (most of an
# end-to-end test's time is waiting on processes, not CPU). tests/support/parallel.py puts
# every test in a group that runs whole on one worker: the tests of the shared end-to-end
# stack together (one stack, as in a serial run), the end-to-end modules with process sets of
# their own one after another (never two of those beside the shared one: PostgreSQL allows 100
# connections), every other test with its module. TEST_WORKERS=1 runs them in one
# process, as before. The broker_restart tests stop the machine's RabbitMQ: they run
# afterwards, alone and serially (BROKER_RESTART_TESTS=no leaves them out, for measuring
# on a machine others share).
TEST_WORKERS ?= 3
BROKER_RESTART_TESTS ?= yes
XDIST := $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder)

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy $(TYPED)
	infra/local/ensure-backing-services.sh
	infra/local/ensure-browser.sh
	infra/local/ensure-document-tools.sh
	$(BIN)/python -m pytest -m "not broker_restart" $(XDIST) --durations=20 $(PYTEST_ARGS)
ifneq ($(BROKER_RESTART_TESTS),no)
	$(BIN)/python -m pytest -m broker_restart $(PYTEST_ARGS)
endif

test-unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: install
	infra/local/ensure-backing-services.sh
	infra/local/ensure-document-tools.sh
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: install
	infra/local/ensure-backing-services.sh
	infra/local/ensure-document-tools.sh
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

bench: install
	infra/local/ensure-backing-services.sh
	infra/local/ensure-bench-tools.sh
	infra/local/ensure-document-tools.sh
	$(BIN)/python -m bench $(BENCH_ARGS)

# Sample plans for a running suite (make run loads them itself on an empty suite).
demo-data: install
	$(BIN)/python infra/local/demo_data.py --gateway $${PUBLIC_URL:-http://localhost:8000} --keycloak $${KEYCLOAK_URL:-http://localhost:8080}

up:
	docker compose -f infra/docker-compose.yml up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

# Message catalogues (Babel): the texts marked in a package, merged into its Vietnamese
# and English .po files and compiled to the .mo files that are committed. An entry is
# directory:domain:babel-config:keywords (the keywords pybabel looks for besides its own).
CATALOGUES := libs/servicekit/src/servicekit:servicekit:babel.cfg:N_ \
	services/plans/src/plans:plans:babel.cfg:N_ \
	services/approvals/src/approvals:approvals:babel.cfg:N_ \
	services/notifications/src/notifications:notifications:babel.cfg:N_ \
	gateway/src/gateway/web:web:gateway/babel-web.cfg:t,translate:2,mark
messages: install
	@for entry in $(CATALOGUES); do \
	  dir=$$(echo $$entry | cut -d: -f1); domain=$$(echo $$entry | cut -d: -f2); \
	  config=$$(echo $$entry | cut -d: -f3); keywords=$$(echo $$entry | cut -d: -f4- | sed 's/,/ -k /g'); \
	  $(BIN)/pybabel -q extract -F $$config -k $$keywords --no-location --sort-output --omit-header -o $$dir/translations/$$domain.pot $$dir && \
	  $(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -w 120 -i $$dir/translations/$$domain.pot -d $$dir/translations -D $$domain && \
	  $(BIN)/pybabel -q compile --statistics -d $$dir/translations -D $$domain || exit 1; \
	done

# The AsyncAPI 3.0 document of the events, made from servicekit.contracts.
asyncapi: install
	$(BIN)/python -m servicekit.contracts.asyncapi > docs/asyncapi.yaml

clean:
	rm -rf var/*.db var/*.db-* var/prometheus var/bench var/screenshots
