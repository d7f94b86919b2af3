"""Options shared by several commands, declared once as ``Annotated`` aliases. Fixed choices
(modes, fusion methods, reasoners, encoder backends, devices) come from the library's
registries: the help lists them, and a value outside them is a usage error (exit 2) naming them.

Importing the registries costs no heavy import: torch, faiss and owlready2 load on first use only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

import typer

from scientia.common.models import DEVICES
from scientia.engine.fusion import DEFAULT_FUSION, FUSION_METHODS
from scientia.engine.modes import MODES
from scientia.indexers.analysis import AUTO, LANGUAGES
from scientia.indexers.encoding import BACKENDS, DEFAULT_BACKEND
from scientia.reasoners.knowledge_base import REASONER_HELP, REASONER_NAMES
from scientia.training.losses import LOSSES

__all__ = [
    "DEFAULT_BACKEND", "DEFAULT_FUSION", "DEFAULT_WAIT", "WaitArg",
    "LanguageArg", "LossArg", "BackendArg", "DeviceArg", "FaissArg", "FusionArg", "ModeArg", "ModelArg", "ReasonerArg", "RerankArg",
    "RerankDepthArg", "choice",
]


def choice(names: Callable[[], Iterable[str]], option: str) -> Callable[[str | None], str | None]:
    """A callback accepting only ``names()`` (read when the command runs, so plugins count)."""

    def check(value: str | None) -> str | None:
        allowed = list(names())
        if value is not None and value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of: {', '.join(allowed)}", param_hint=option)
        return value

    return check


LanguageArg = Annotated[str, typer.Option(
    "--language",
    help=f"Language of the corpus for BM25 (stemming, stopwords, CJK bigrams): {AUTO} (decided from the corpus and "
    f"recorded in the manifest) or one of {', '.join(LANGUAGES)}. Queries use the index's analyzer.",
    callback=choice(lambda: [AUTO, *LANGUAGES], "--language"))]
ModelArg = Annotated[Path | None, typer.Option(
    "--model", help="Local sentence-transformers model folder, or a Hugging Face model name (org/name) found in its cache, "
                    "downloaded only with HF_HUB_OFFLINE=0 (default: the packaged all-MiniLM-L6-v2).")]
DeviceArg = Annotated[str, typer.Option(
    "--device", help=f"Where the encoder runs: {', '.join(DEVICES)}.", callback=choice(lambda: DEVICES, "--device"))]
BackendArg = Annotated[str, typer.Option(
    "--backend",
    help=f"Encoder runtime, one of {', '.join(BACKENDS)} (default {DEFAULT_BACKEND}): torch is the fp32 reference, "
    "onnx runs ONNX Runtime fp32 (the same nDCG, 1.2-1.8x faster), onnx-int8 quantizes it (3-4x faster, up to "
    "0.006 nDCG lost), torch-bf16 runs torch in bfloat16 on CPUs with AVX-512 BF16 or AMX (about 1.8x on whole "
    "abstracts, the same nDCG). Recorded in the manifest; queries run on ONNX Runtime either way.",
    callback=choice(BACKENDS.names, "--backend"))]
ModeArg = Annotated[str | None, typer.Option(
    "--mode",
    help=f"Which signals rank the documents, one of {', '.join(MODES)} "
    "(default: hybrid+knowledge where the index has an ontology, else hybrid).",
    callback=choice(MODES.names, "--mode"))]
FusionArg = Annotated[str, typer.Option(
    "--fusion",
    help=f"How several signals fuse, one of {', '.join(FUSION_METHODS)}: adaptive weighs each signal per query by "
    "how much of the query it could match and keeps BM25's scale (benchmarks/results/fusion), wsum is the weighted "
    "sum of min-max normalized scores, rrf reciprocal rank fusion, learned the combination the index had "
    "fitted on a training split ('scientia bench --fusion learned --train-split train').",
    callback=choice(FUSION_METHODS.names, "--fusion"))]
LossArg = Annotated[str, typer.Option(
    "--loss",
    help=f"Bi-encoder loss, one of {', '.join(LOSSES)}: mnrl (in-batch negatives), gist (the base model drops "
    "in-batch negatives it ranks above the positive), cached-mnrl (gradient caching: a large --batch-size in "
    "the memory of 32).",
    callback=choice(LOSSES.names, "--loss"))]
FaissArg = Annotated[str | None, typer.Option(
    "--faiss", help="FAISS index_factory string, e.g. Flat, HNSW32, IVF1024,PQ32x8 (default: by corpus size).")]
RerankArg = Annotated[Path | None, typer.Option(
    "--rerank", help="Cross-encoder folder (from 'scientia train --cross-encoder') that re-scores the fused top --rerank-depth.")]
RerankDepthArg = Annotated[int, typer.Option("--rerank-depth", min=1, help="How many fused hits the cross-encoder re-scores.")]
# Writers of one index take turns: one that finds another writing waits this long for it.
DEFAULT_WAIT = 60.0
WaitArg = Annotated[float, typer.Option(
    "--wait", min=0, metavar="SECONDS",
    help="If another process is writing this index, wait this long for it to finish (0: fail at once).")]
ReasonerArg = Annotated[str, typer.Option(
    "--reasoner", help=REASONER_HELP, callback=choice(lambda: REASONER_NAMES, "--reasoner"))]
