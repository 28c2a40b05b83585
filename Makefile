# Quick start: `make run` (set up and open the app on the sample city), `make test` (set up, run the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLE := sample_data/hai_chau.cityplan

.PHONY: run test system-deps system-deps-gui lint bench sample clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	bash scripts/install_system_deps.sh test

system-deps-gui:
	bash scripts/install_system_deps.sh gui

test: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

run: system-deps-gui $(STAMP)
	bash scripts/run_app.sh $(BIN)/python $(SAMPLE)

lint: $(STAMP)
	$(BIN)/ruff check cityplanner ui tests benchmarks scripts
	$(BIN)/lint-imports

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

sample: $(STAMP)
	$(BIN)/python scripts/build_sample_data.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# Compile the Vietnamese UI catalogue (after editing resources/translations/cityplanner_vi.ts in Qt
# Linguist; refresh its source strings with `$(BIN)/pyside6-lupdate -locations none ui/app.py
# ui/main_window.py ui/i18n.py ui/crash_handler.py ui/canvas/view.py ui/docks/*.py ui/dialogs/*.py
# ui/workshop/*.py
# -ts resources/translations/cityplanner_vi.ts`).
.PHONY: translations
translations: $(STAMP)
	$(BIN)/pyside6-lrelease resources/translations/cityplanner_vi.ts -qm resources/translations/cityplanner_vi.qm

# Offline bundle (installer/README.md). `make installer`: dist/CityPlanner/ and
# dist/CityPlanner-<version>-linux-<arch>.tar.gz, built with PyInstaller in its own venv (the
# `installer` extra, so the test venv stays lean). `make installer-check`: build it, then run its
# self-test from another folder in a clean environment; run it before a release and after changing
# dependencies, resources/, sample_data/ or installer/.
INSTALLER_VENV := build/installer-venv
INSTALLER_STAMP := $(INSTALLER_VENV)/.installed-stamp

$(INSTALLER_STAMP): pyproject.toml
	test -x $(INSTALLER_VENV)/bin/python || $(PYTHON) -m venv $(INSTALLER_VENV)
	$(INSTALLER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(INSTALLER_VENV)/bin/python -m pip install --quiet -e '.[installer]'
	touch $(INSTALLER_STAMP)

.PHONY: installer installer-check
installer: system-deps-gui $(INSTALLER_STAMP)
	bash installer/build_linux.sh $(INSTALLER_VENV)/bin/python

installer-check: installer
	bash installer/check_bundle.sh
