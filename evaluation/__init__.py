"""Evaluation: what the CLI and the benchmark scripts use to measure retrieval and reasoning.

``metrics`` (ir-measures: nDCG@10, Recall@k, MRR@10, P/R/F1@10), ``retrieval`` (build or reuse an
index of a BEIR collection, run every mode, report quality, latency and memory), ``report``
(the JSON, Markdown and plot a run writes), ``fusion_fit`` (fit an index's learned fusion on a
training split), ``compare`` (encoders side by side), ``lubm`` (the Lehigh University
Benchmark), ``machine`` (what a figure was measured on), ``http_client`` (a JSON client for a server here). The scripts that produce the committed
figures live in ``benchmarks/`` and import from here; nothing here imports them.
"""
