"""Options shared by several commands, declared once. Fixed choices are the library's own ``Literal``s."""

from __future__ import annotations

import typer

from scientia.reasoners.knowledge_base import REASONER_HELP

__all__ = ["RerankOption", "RerankDepthOption", "ReasonerOption", "ModelOption", "DeviceOption", "BackendOption", "ModeOption", "FusionOption", "FaissOption", "VerboseOption", "QuietOption"]

ModelOption = typer.Option(
    None, "--model", help="Local sentence-transformers model folder (default: the packaged all-MiniLM-L6-v2)."
)
DeviceOption = typer.Option("auto", "--device", help="Where the encoder runs.")
BackendOption = typer.Option(
    "torch", "--backend",
    help="Encoder runtime: torch (fp32 reference), onnx (ONNX Runtime fp32) or onnx-int8 (about 4x faster on CPU). "
    "Recorded in the manifest; queries use the same.",
)
ModeOption = typer.Option(
    None, "--mode", help="Which signals rank the documents (default: hybrid+knowledge where the index has an ontology, else hybrid)."
)
FusionOption = typer.Option(
    "wsum", "--fusion", help="How hybrid fuses: min-max normalized weighted sum, or reciprocal rank fusion."
)
FaissOption = typer.Option(
    None, "--faiss", help="FAISS index_factory string, e.g. Flat, HNSW32, IVF1024,PQ32x8 (default: by corpus size)."
)
RerankOption = typer.Option(
    None, "--rerank", help="Cross-encoder folder (from 'scientia train --cross-encoder') that re-scores the fused top --rerank-depth."
)
RerankDepthOption = typer.Option(50, "--rerank-depth", min=1, help="How many fused hits the cross-encoder re-scores.")
ReasonerOption = typer.Option("auto", "--reasoner", help=REASONER_HELP)
VerboseOption = typer.Option(False, "--verbose", "-v", help="Print debug diagnostics to stderr.")
QuietOption = typer.Option(False, "--quiet", "-q", help="Print only warnings and errors to stderr.")
