# scientia: `make demo` and `make test` each set up what they need on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SCIENTIA := $(VENV)/bin/scientia
STAMP := $(VENV)/.installed
SHARED_ROOT ?= ../shared
SHARED ?= $(SHARED_ROOT)/datasets
ONTOLOGIES ?= $(SHARED_ROOT)/ontologies
# The tests read the shared data from here (tests/conftest.py).
export SCIENTIA_SHARED := $(abspath $(SHARED_ROOT))
# faiss-cpu and faiss-gpu overwrite each other's files: take the GPU build only where a GPU answers.
FAISS_EXTRA ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)

# Nothing may reach for the Hugging Face hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

# mypy reads the folders as scientia.* through a tree of links: setuptools' package-dir mapping is invisible to it.
LINTED := common engine indexers reasoners cli training evaluation benchmarks tests setup.py

.PHONY: setup lint browser demo test test-fast screenshot bench bench-finetune bench-speed bench-scale bench-reasoning-scale bench-languages bench-extracted clean

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py Makefile
	$(PYTHON) -c 'import sys; sys.exit("scientia needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: pip takes the CPU wheel on disk instead of a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[$(FAISS_EXTRA),test,lint,ray]"
	touch $(STAMP)

# ruff (pyproject.toml: E, F, I, B, UP) over the code and the tests, then mypy over the whole package; .ci/run runs it first.
lint: setup
	$(VENV)/bin/ruff check $(LINTED)
	rm -rf build/mypy && mkdir -p build/mypy/scientia && touch build/mypy/scientia/__init__.py
	for folder in common engine indexers reasoners cli training evaluation benchmarks; do ln -s "$(abspath .)/$$folder" build/mypy/scientia/$$folder; done
	cd build/mypy && MYPYPATH=. $(abspath $(VENV))/bin/mypy --config-file $(abspath pyproject.toml) \
	  --python-executable $(abspath $(PY)) -p scientia

# The search page's tests drive Debian's Chromium (Playwright never downloads a browser); where
# it cannot be installed (no root, no Debian archive) they skip and say so.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; } >/dev/null 2>&1 \
	  && echo "installed Chromium from Debian's packages for the browser tests" >&2; } || \
	echo "Chromium could not be installed (apt-get install chromium): the browser tests will skip" >&2

# Without reasoning, then with it: Pollo Ad Astra (cajun spice) enters the top 5 only through
# the reasoner's SpicyPizza ⊒ PolloAdAstra, and the output shows that chain.
demo: setup
	$(SCIENTIA) index build samples/corpus.jsonl --ontology samples/pizza.ttl -o demo-index
	$(SCIENTIA) index info demo-index
	$(SCIENTIA) query demo-index "spicy pizza" -k 5 --mode hybrid
	$(SCIENTIA) query demo-index "spicy pizza" -k 5
	# the same corpus with a knowledge graph extracted from its own sentences: hit 2's chain runs through an extracted fact and its sentence
	$(SCIENTIA) index build samples/corpus.jsonl -o demo-extracted --extract-knowledge
	$(SCIENTIA) query demo-extracted "vaccines against viruses" -k 5

# The suite must leave the installed packages as they were (caches go to the user cache folder).
test: setup browser
	$(PY) tests/site_packages_guard.py record $(VENV)/site-packages-before.json
	$(PY) -m pytest
	$(PY) tests/site_packages_guard.py compare $(VENV)/site-packages-before.json

test-fast: setup
	$(PY) -m pytest -m "not slow"

# The README's picture of the search page, taken by the browser test.
screenshot: setup browser
	SCIENTIA_SCREENSHOT=$(abspath samples/search-page.png) $(PY) -m pytest -q tests/test_search_page.py -k fused_results

# Writes benchmarks/results/<benchmark>/report.{json,md,png}; indexes and generated data go to
# bench-out/ (not committed).
bench: setup
	@for name in scifact cranfield msmarco-subset; do \
	  if [ -d "$(SHARED)/$$name" ]; then \
	    $(SCIENTIA) bench "$(SHARED)/$$name" --index-dir "bench-out/$$name-index" --out "benchmarks/results/$$name" || exit $$?; \
	  else echo "skipping $$name: $(SHARED)/$$name is absent" >&2; fi; \
	done
	@if [ -f "$(ONTOLOGIES)/pizza/pizza.owl" ]; then \
	  $(PY) -m scientia.benchmarks.pizza_knowledge "$(ONTOLOGIES)/pizza/pizza.owl" bench-out/pizza-knowledge && \
	  $(SCIENTIA) bench bench-out/pizza-knowledge --ontology "$(ONTOLOGIES)/pizza/pizza.owl" \
	    --modes dense,lexical,hybrid,knowledge,hybrid+knowledge \
	    --index-dir bench-out/pizza-knowledge-index --out benchmarks/results/pizza-knowledge; \
	else echo "skipping pizza-knowledge: $(ONTOLOGIES)/pizza is absent" >&2; fi
	$(PY) -m scientia.benchmarks.fusion_table "$(SHARED)" $$([ -f "$(ONTOLOGIES)/pizza/pizza.owl" ] && \
	  echo --ontology "$(ONTOLOGIES)/pizza/pizza.owl") --out benchmarks/results/fusion
	rm -rf bench-out/load-index
	$(SCIENTIA) index build samples/corpus.jsonl --ontology samples/pizza.ttl -o bench-out/load-index -q
	$(PY) -m scientia.benchmarks.load_test bench-out/load-index --queries 1000 --clients 8 --out benchmarks/results/load
	rm -rf bench-out/load-index
	$(SCIENTIA) index build samples/corpus.jsonl --ontology samples/pizza.ttl -o bench-out/load-index -q
	$(PY) -m scientia.benchmarks.load_test bench-out/load-index --sparql "SELECT ?c WHERE { ?c rdfs:subClassOf+ pizza:SpicyPizza }" \
	  --out benchmarks/results/load-sparql
	@if [ -d "$(ONTOLOGIES)/lubm" ]; then \
	  $(SCIENTIA) bench lubm --universities 1,5,10 --lubm-dir "$(ONTOLOGIES)/lubm" --out benchmarks/results/lubm; \
	else echo "skipping lubm: $(ONTOLOGIES)/lubm is absent" >&2; fi
	$(MAKE) bench-finetune bench-speed bench-scale bench-languages
	$(PY) -m scientia.benchmarks.summary benchmarks/results

# Fine-tuning on SciFact's train split (the test split is never seen), a cross-encoder on the
# same pairs, then base and tuned side by side, re-ranked too. Models go to bench-out/models.
TUNED := bench-out/models/scifact-minilm
RERANKER := bench-out/models/scifact-reranker
bench-finetune: setup
	@if [ ! -d "$(SHARED)/scifact" ]; then echo "skipping bench-finetune: $(SHARED)/scifact is absent" >&2; exit 0; fi; \
	$(SCIENTIA) bench "$(SHARED)/scifact" --index-dir bench-out/scifact-index --out benchmarks/results/scifact -q && \
	{ [ -d $(TUNED) ] || $(SCIENTIA) train --beir "$(SHARED)/scifact" --split train -o $(TUNED); } && \
	{ [ -d $(RERANKER) ] || $(SCIENTIA) train --cross-encoder --beir "$(SHARED)/scifact" --index bench-out/scifact-index -o $(RERANKER) \
	    2> >(tee benchmarks/results/scifact-finetune/reranker.log >&2) \
	  || echo "the re-ranker was refused (it does not beat the list it re-ranks): benchmarking without --rerank" >&2; } && \
	$(SCIENTIA) bench "$(SHARED)/scifact" --compare-models default,$(TUNED) \
	  $$([ -f $(RERANKER)/training.json ] && echo --rerank $(RERANKER) --rerank-depth 20) \
	  --index-dir bench-out/finetune-index --out benchmarks/results/scifact-finetune
	@if [ -f "$(ONTOLOGIES)/pizza/pizza.owl" ] && [ -d bench-out/pizza-knowledge ]; then \
	  $(PY) -m scientia.benchmarks.ontology_pairs "$(ONTOLOGIES)/pizza/pizza.owl" bench-out/pizza-knowledge \
	    --out benchmarks/results/ontology-pairs; \
	else echo "skipping ontology-pairs: pizza.owl or bench-out/pizza-knowledge is absent" >&2; fi
	$(PY) -m scientia.benchmarks.self_supervised "$(SHARED)" --out benchmarks/results/self-supervised

# Encoder backends (and where int8 time goes), latency at 100k documents, FAISS types at 1M vectors.
bench-speed: setup
	@if [ ! -d "$(SHARED)/scifact" ]; then echo "skipping bench-speed: $(SHARED) is absent" >&2; exit 0; fi; \
	$(PY) -m scientia.benchmarks.encode "$(SHARED)/scifact" --out benchmarks/results/encode && \
	$(PY) -m scientia.benchmarks.onnx_profile "$(SHARED)/scifact" --out benchmarks/results/onnx-profile && \
	$(PY) -m scientia.benchmarks.latency "$(SHARED)" --documents 100000 --out benchmarks/results/latency && \
	$(PY) -m scientia.benchmarks.ann_scale bench-out/latency/index-100000-onnx-int8 "$(SHARED)" --vectors 1000000 \
	  --out benchmarks/results/ann-scale && \
	$(PY) -m scientia.benchmarks.backends "$(SHARED)" --work bench-out/backends --out benchmarks/results/backends && \
	rm -rf bench-out/cold-index && $(SCIENTIA) index build samples/corpus.jsonl --ontology samples/pizza.ttl -o bench-out/cold-index -q && \
	$(PY) -m scientia.benchmarks.cold_query bench-out/cold-index --out benchmarks/results/cold-query && \
	$(PY) -m scientia.benchmarks.faiss_threads --vectors 100000 --out benchmarks/results/faiss-threads && \
	for backend in onnx onnx-int8; do \
	  rm -rf bench-out/load-cranfield && cp -r bench-out/backends/cranfield/$$backend-index bench-out/load-cranfield && \
	  $(PY) -m scientia.benchmarks.load_test bench-out/load-cranfield --queries 1000 --clients 8 \
	    --out benchmarks/results/load-cranfield$$([ $$backend = onnx ] || echo -int8) || exit $$?; \
	done

# Shards on a local Ray cluster: Cranfield in 3 shards against one index, then what scaling out
# costs on this machine (Ray's encoding overhead, 100,000 documents in 4 shards) and a projection.
bench-scale: setup
	@if [ ! -d "$(SHARED)/cranfield" ]; then echo "skipping bench-scale: $(SHARED) is absent" >&2; exit 0; fi; \
	$(PY) -m scientia.benchmarks.shard_equality "$(SHARED)/cranfield" --shards 3 --out benchmarks/results/shards-cranfield && \
	$(PY) -m scientia.benchmarks.scale_out "$(SHARED)" --documents 100000 --shards 4 --out benchmarks/results/scale-out

# Reasoning scaled out: OWL 2 RL over LUBM(10), LUBM(20) in one process and on a local Ray cluster,
# LUBM(100) on Ray only (one process would need about 20 GiB), the two closures compared at LUBM(5).
bench-reasoning-scale: setup
	@if [ ! -d "$(ONTOLOGIES)/lubm" ]; then echo "skipping bench-reasoning-scale: $(ONTOLOGIES)/lubm is absent" >&2; exit 0; fi; \
	$(PY) -m scientia.benchmarks.scale_out --reasoning 10,20,100 --compare 5 --lubm-dir "$(ONTOLOGIES)/lubm" \
	  --out benchmarks/results/reasoning-scale-out

# Which language identifier tells titles, labels and queries apart best (the one --language auto
# uses was chosen here); the other candidates come with the language-benchmark extra.
bench-languages: setup
	@if [ ! -d "$(SHARED)/scifact" ] || [ ! -d "$(ONTOLOGIES)/pizza" ]; then echo "skipping bench-languages: $(SHARED_ROOT) is absent" >&2; exit 0; fi; \
	$(PY) -m pip install --quiet -e ".[$(FAISS_EXTRA),test,ray,language-benchmark]" && \
	$(PY) -m scientia.benchmarks.language_detection "$(SHARED_ROOT)" --out benchmarks/results/language-detection

# Every shared collection with a knowledge graph extracted from its corpus: Recall@2, Recall@5,
# nDCG@10 per mode (multi-hop ones into benchmarks/results/multihop), and the sample corpus's
# extracted is-a beside samples/pizza.ttl's. The judged precision sample: benchmarks/graph_quality.py.
bench-extracted: setup
	@for collection in musique-train100 hotpotqa-train100 cranfield msmarco-subset scifact; do \
	  if [ ! -d "$(SHARED)/$$collection" ]; then echo "skipping $$collection: absent" >&2; continue; fi; \
	  case $$collection in *-train100) out=multihop; modes=dense,lexical,hybrid,knowledge,hybrid+knowledge;; \
	                       *) out=extracted-knowledge; modes=dense,lexical,hybrid,hybrid+knowledge;; esac; \
	  $(SCIENTIA) bench "$(SHARED)/$$collection" --extract-knowledge --measures R@2,R@5 --modes $$modes \
	    --index-dir bench-out/$$collection-kg --out benchmarks/results/$$out/$$collection -q || exit 1; \
	done
	$(SCIENTIA) index build samples/corpus.jsonl -o bench-out/samples-kg --extract-knowledge -q
	$(PY) -m scientia.benchmarks.graph_quality pizza bench-out/samples-kg samples/pizza.ttl benchmarks/results/graph-quality > /dev/null
	$(PY) -m scientia.benchmarks.walk_sweep benchmarks/results/multihop \
	  bench-out/musique-train100-kg=$(SHARED)/musique-train100 bench-out/hotpotqa-train100-kg=$(SHARED)/hotpotqa-train100
	$(PY) -m scientia.benchmarks.walk_sweep --ungated benchmarks/results/extracted-knowledge \
	  bench-out/scifact-kg=$(SHARED)/scifact bench-out/cranfield-kg=$(SHARED)/cranfield bench-out/msmarco-subset-kg=$(SHARED)/msmarco-subset

clean:
	rm -rf demo-index demo-extracted bench-out .pytest_cache
