"""Learned fusion: a linear combination of each signal's evidence, its weights fitted on a
collection's training queries (never its test queries) and stored in the index.

Vogt & Cottrell, "Fusion via a linear combination of scores", Information Retrieval 1(3), 1999:

    fused(d) = Σ_s  a_s · norm_s(d) + b_s · coverage_s · norm_s(d) + c_s / (60 + rank_s(d)),

with ``norm_s`` the signal's score over its floor (as in :mod:`.adaptive`; 0 where the signal
did not retrieve ``d``), ``coverage_s`` the share of the query the signal could read, and the
reciprocal-rank term of RRF (absent documents: 0). The coefficients are those of an
L2-regularized logistic regression of "judged relevant" on these features over every query's
candidates (the union of the signals' top 100), fitted by Newton's method; its intercept does
not change an order and is not kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scientia.common.errors import IndexFormatError, InvalidArgumentError

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

from .normalize import floor_normalize
from .rrf import DEFAULT_K
from .runs import SignalRun

__all__ = ["LearnedFusion", "LEARNED_FUSION_FILE", "candidate_features", "fit_learned_fusion", "FEATURES"]

# A file of the index's generation, listed and checksummed in its manifest and written under the
# writer lock like any change; changes carry it forward (`index add` keeps it), a rebuild does
# not. It records the encoder it was fitted with.
LEARNED_FUSION_FILE = "learned-fusion.json"
FORMAT_VERSION = 1
FEATURES = ("score", "covered_score", "reciprocal_rank")
# L2 penalty on the coefficients (not the intercept): keeps them finite when a feature separates
# the training data, and small next to the thousands of candidates a collection gives.
L2_PENALTY = 1.0
NEWTON_STEPS = 50

Fused = list[tuple[Hashable, float]]


def candidate_features(runs: Mapping[str, SignalRun], signals: Sequence[str]) -> tuple[list[Hashable], list[list[float]]]:
    """The candidates (every document some signal retrieved) and their feature rows, signal by signal."""
    normalized = {name: floor_normalize(run.ranking, run.score_floor) for name, run in runs.items()}
    ranks = {name: {doc: rank for rank, (doc, _) in enumerate(run.ranking, start=1)} for name, run in runs.items()}
    documents = list(dict.fromkeys(doc for run in runs.values() for doc, _ in run.ranking))
    rows = []
    for doc in documents:
        row = []
        for name in signals:
            run = runs.get(name)
            score = normalized.get(name, {}).get(doc, 0.0)
            rank = ranks.get(name, {}).get(doc)
            row += [score, score * (run.coverage if run else 0.0), 1.0 / (DEFAULT_K + rank) if rank else 0.0]
        rows.append(row)
    return documents, rows


@dataclass
class LearnedFusion:
    """A fitted combination: one coefficient per (signal, feature); call it like a fusion method."""

    signals: tuple[str, ...]
    coefficients: dict[str, list[float]]  # signal → one per FEATURES
    fitted_on: dict[str, Any] = field(default_factory=dict)  # dataset, split, queries, encoder checksum

    def __call__(self, runs: Mapping[str, SignalRun]) -> Fused:
        missing = set(runs) - set(self.signals)
        if missing:
            raise InvalidArgumentError(f"the learned fusion was fitted for {', '.join(self.signals)}, "
                                       f"not {', '.join(sorted(missing))}: use a mode of those signals")
        documents, rows = candidate_features(runs, self.signals)
        weights = [w for name in self.signals for w in self.coefficients[name]]
        scores = [sum(w * x for w, x in zip(weights, row, strict=False)) for row in rows]
        return sorted(zip(documents, scores, strict=False), key=lambda item: -item[1])

    def to_json(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "features": list(FEATURES), "signals": list(self.signals),
                "coefficients": self.coefficients, "fitted_on": self.fitted_on}

    @classmethod
    def from_json(cls, data: dict[str, Any], source: Path | str = LEARNED_FUSION_FILE) -> LearnedFusion:
        try:
            if data["version"] != FORMAT_VERSION or tuple(data["features"]) != FEATURES:
                raise ValueError(f"version {data['version']}, features {data['features']}")
            signals = tuple(data["signals"])
            coefficients = {name: [float(c) for c in data["coefficients"][name]] for name in signals}
            if any(len(c) != len(FEATURES) for c in coefficients.values()):
                raise ValueError("a signal without one coefficient per feature")
        except (KeyError, TypeError, ValueError) as error:
            raise IndexFormatError(f"{source}: not a learned fusion this version reads ({error})") from None
        return cls(signals, coefficients, dict(data.get("fitted_on", {})))

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, content: bytes, source: Path | str) -> LearnedFusion:
        try:
            data = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise IndexFormatError(f"{source}: unreadable ({error})") from None
        return cls.from_json(data, source)

    def save(self, folder: Path) -> Path:
        """Write into ``folder`` atomically (a reader never sees half a file); an index keeps
        it in its generation instead (:meth:`store_in`)."""
        target = Path(folder) / LEARNED_FUSION_FILE
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        staging.write_bytes(self.to_bytes())
        os.replace(staging, target)
        return target

    @classmethod
    def load(cls, folder: Path) -> LearnedFusion | None:
        """The learned fusion saved in ``folder``, or ``None`` where it has none."""
        path = Path(folder) / LEARNED_FUSION_FILE
        if not path.is_file():
            return None
        try:
            content = path.read_bytes()
        except OSError as error:
            raise IndexFormatError(f"{path}: unreadable ({error})") from None
        return cls.from_bytes(content, path)

    def store_in(self, index: Path, wait: float = 0.0) -> None:
        """Make this the learned fusion of ``index``: a new generation with it, committed under
        the writer lock (``wait``: seconds to wait for another writer)."""
        from scientia.indexers.updater import attach_file

        attach_file(index, LEARNED_FUSION_FILE, self.to_bytes(), wait=wait)

    @classmethod
    def of_generation(cls, generation: Generation) -> LearnedFusion | None:
        """The learned fusion of ``generation`` (checked against its manifest), or ``None``."""
        content = generation.read_extra(LEARNED_FUSION_FILE)
        return None if content is None else cls.from_bytes(content, generation.folder / LEARNED_FUSION_FILE)


def fit_learned_fusion(examples: Sequence[tuple[Mapping[str, SignalRun], Mapping[Hashable, int]]],
                       signals: Sequence[str], fitted_on: dict[str, Any] | None = None) -> LearnedFusion:
    """Fit on ``examples``: each a query's signal runs and its judgements (document → grade; a
    grade above 0 is relevant, an unjudged candidate is not)."""
    import numpy as np

    rows, labels = [], []
    for runs, judged in examples:
        documents, features = candidate_features(runs, signals)
        rows += features
        labels += [1.0 if judged.get(doc, 0) > 0 else 0.0 for doc in documents]
    if not rows or not any(labels) or all(labels):
        raise InvalidArgumentError("fitting a fusion needs training queries whose candidates hold both relevant "
                                   "and other documents")
    x = np.hstack([np.asarray(rows, dtype=np.float64), np.ones((len(rows), 1))])
    y = np.asarray(labels)
    penalty = np.full(x.shape[1], L2_PENALTY)
    penalty[-1] = 0.0  # the intercept is not shrunk
    w = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    per_signal = len(FEATURES)
    coefficients = {name: [float(c) for c in w[i * per_signal:(i + 1) * per_signal]] for i, name in enumerate(signals)}
    return LearnedFusion(tuple(signals), coefficients,
                         {**(fitted_on or {}), "queries": len(examples), "candidates": len(rows)})
