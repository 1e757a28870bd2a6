# Rapport Fashion-MNIST : `make report` entraîne et publie le site, `make test` vérifie tout.
# Every target sets up what it needs (virtual environment, data, browser) on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA_DIR := /usr/share/datasets/fashion-mnist
CHROMIUM := /usr/bin/chromium
PORT ?= 8000
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help

# Started from another folder (make -f chemin/Makefile report): the same goals, run in the project's folder,
# where .venv/ is and where `python -m pipeline` finds its package.
HERE := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
ifneq ($(HERE),$(CURDIR))
$(firstword $(MAKECMDGOALS) help):
	@$(MAKE) --no-print-directory -C "$(HERE)" $(MAKECMDGOALS)
$(filter-out $(firstword $(MAKECMDGOALS)),$(MAKECMDGOALS)):
	@:
else
.PHONY: help report status test test-fast serve bench site-complet experiments experiences tuning reglage variability publish lock clean data browser dictionary pdf poppler

help: ## Liste des commandes
	@echo "Rapport Fashion-MNIST — commandes :"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'

report: $(STAMP) data ## Entraîner (si besoin), dessiner les figures, écrire le README et construire site/
	$(PY) -m pipeline report

status: $(STAMP) ## Dire quelles étapes make report referait, et pourquoi (sans rien lancer ni écrire)
	@$(PY) -m pipeline status

test: $(STAMP) data browser dictionary poppler ## Tous les tests : unitaires, de bout en bout et navigateur
	$(PY) -m pytest -q

test-fast: $(STAMP) ## Tests unitaires rapides seulement (sans entraînement réel ni navigateur)
	$(PY) -m pytest -q -m "not slow and not browser"

serve: ## Servir site/ sur http://127.0.0.1:8000/ (PORT=8080 make serve pour changer de port)
	@$(PYTHON) -m pipeline.publish.serve --root . --port "$(PORT)"

site-complet: experiments browser ## Le site complet : make report + toutes les expériences + la variabilité + le réglage + le PDF
	$(PY) -m pipeline.publish.pdf

pdf: report browser ## Tout le rapport en un seul PDF (site/rapport.pdf), imprimé par Chromium depuis le site
	$(PY) -m pipeline.publish.pdf

experiments: $(STAMP) data ## Entraîner les expériences en parallèle, puis le réglage (sauf avec ONLY="patience lot"), puis publier
	$(PY) -m pipeline experiments $(if $(ONLY),--only $(ONLY)) $(if $(WORKERS),--workers $(WORKERS)) \
	  $(if $(DASK_SCHEDULER),--scheduler $(DASK_SCHEDULER))

tuning: $(STAMP) data ## Chercher de meilleurs réglages (Optuna, sur la validation), les confirmer sur 5 graines neuves, puis publier
	$(PY) -m pipeline tuning $(if $(WORKERS),--workers $(WORKERS)) $(if $(DASK_SCHEDULER),--scheduler $(DASK_SCHEDULER))

# The French names the pages and earlier READMEs give: the same commands.
experiences: experiments
reglage: tuning

variability: $(STAMP) data ## Seulement les 5 graines de la page Variabilité (une partie de make experiments)
	$(PY) -m pipeline variability

bench: $(STAMP) data ## Mesurer la vitesse face au code de l'énoncé, les reconstructions et les expériences (bench/results/)
	$(PY) -m bench.run
	$(PY) -m bench.incremental
	$(PY) -m bench.sweep

# site/ itself, as make site-complet left it (PDF and downloads): mkdocs gh-deploy would build it again without them.
publish: site-complet ## Publier le site complet sur GitHub Pages (branche gh-pages, poussée vers origin)
	$(PY) -m pipeline.publish.gh_pages --root .

lock: ## Régénérer requirements.lock (versions et empreintes) depuis requirements.in
	$(PY) -m pip install -q uv && $(VENV)/bin/uv pip compile requirements.in --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock

# The lock holds TensorFlow's CPU build; where an NVIDIA GPU answers, the same release with CUDA replaces it.
# Both builds write the same tensorflow/ folder, so one is removed before the other goes in.
TF_VERSION := $(shell sed -n 's/^tensorflow-cpu==\([^ ]*\).*/\1/p' requirements.in)

$(STAMP): requirements.lock
	@echo "Installation de l'environnement $(VENV)/ (TensorFlow, MkDocs… : quelques minutes la première fois)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@if $(PY) -m pip show tensorflow >/dev/null 2>&1; then $(PY) -m pip uninstall -q -y tensorflow; fi
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then \
	  echo "GPU NVIDIA détecté : installation de tensorflow[and-cuda]==$(TF_VERSION) à la place de tensorflow-cpu"; \
	  $(PY) -m pip uninstall -q -y tensorflow-cpu && \
	  $(PY) -m pip install -q "tensorflow[and-cuda]==$(TF_VERSION)"; \
	fi
	@touch $@

# Fashion-MNIST without internet: Debian's package, when nothing else provides the files.
data:
	@if [ -n "$$FASHION_MNIST_DIR" ] || [ -f "$$HOME/.keras/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz" ] \
	   || [ -f $(DATA_DIR)/t10k-labels-idx1-ubyte.gz ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installation des données : apt-get install dataset-fashion-mnist"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	else echo "Données absentes : installez « sudo apt-get install dataset-fashion-mnist » ou définissez FASHION_MNIST_DIR."; exit 2; fi

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installation du navigateur : apt-get install chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "Chromium absent : installez « sudo apt-get install chromium » pour les tests navigateur."; exit 2; fi

# Debian's French dictionary for the spelling test of the built pages.
dictionary:
	@if command -v hunspell >/dev/null && [ -f /usr/share/hunspell/fr_FR.dic -o -f /usr/share/hunspell/fr.dic ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installation du dictionnaire : apt-get install hunspell hunspell-fr"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hunspell hunspell-fr; \
	else echo "Dictionnaire absent : installez « sudo apt-get install hunspell hunspell-fr » pour le test d'orthographe."; exit 2; fi

# Debian's poppler-utils (pdftotext, pdfimages, pdfinfo) for the tests that read the PDF back.
poppler:
	@if command -v pdftotext >/dev/null && command -v pdfimages >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installation des outils PDF : apt-get install poppler-utils"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; \
	else echo "Outils PDF absents : installez « sudo apt-get install poppler-utils » pour les tests du PDF."; exit 2; fi

clean: ## Supprimer les sorties générées (site, artefacts, pages) ; garde .venv et le README
	rm -rf site site.old artifacts docs/figures docs/experiences docs/reglage docs/rejouer docs/demo/data docs/entrainer/data docs/vendor docs/telechargements docs/questionnaires docs/*.md

endif
