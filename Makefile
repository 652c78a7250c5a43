# Every target goes through scripts/: the same commands the README and CI use.
.PHONY: install serve test ci lint bench

install:
	bash scripts/install.sh

serve:
	bash scripts/setup_and_serve.sh

test:
	bash scripts/test.sh

ci:
	bash .ci/run

lint:
	bash -c 'source scripts/install.sh && evalportal_install && "$$EVALPORTAL_VENV/bin/ruff" check .'

bench:
	bash scripts/bench.sh
