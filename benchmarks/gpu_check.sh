#!/usr/bin/env bash
# The GPU path in one run of at most 8 minutes: FAISS GPU flat and IVF indexes on 1M × 384
# vectors (batched queries; QPS and recall@10 against CPU exact search) and the encoder on CUDA
# in fp16 (sentences per second), and the sharded build's Ray Data encoding on a GPU actor against
# the same encoder in process. Needs `make setup` on the GPU machine (it picks faiss-gpu
# there). Prints a JSON report and writes it to benchmarks/results/gpu/report.json.
#
#   benchmarks/gpu_check.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
timeout 480 "$PY" -m scientia.benchmarks.gpu_check --vectors 1000000 --queries 1000 --out benchmarks/results/gpu
