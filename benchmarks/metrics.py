"""Retrieval metrics, computed by ir-measures (backed by pytrec_eval), never by hand.

nDCG@10 (Järvelin & Kekäläinen, 2002), Recall@100, and MRR@10 (reciprocal rank of the first
relevant document in the top 10, averaged over queries).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MEASURES", "evaluate"]

MEASURES = ("nDCG@10", "R@100", "RR@10")


def evaluate(
    run: Mapping[str, Mapping[str, float]], qrels: Mapping[str, Mapping[str, int]]
) -> dict[str, float]:
    """Mean of each measure over every judged query; a query with no results counts as 0.

    pytrec_eval alone would average only over queries present in the run, which flatters a
    system that returns nothing for hard queries.
    """
    import ir_measures

    measures = [ir_measures.parse_measure(name) for name in MEASURES]
    judged = [qid for qid, judgements in qrels.items() if any(rel > 0 for rel in judgements.values())]
    totals = {str(measure): 0.0 for measure in measures}
    for metric in ir_measures.iter_calc(measures, {q: dict(qrels[q]) for q in judged}, {q: dict(d) for q, d in run.items()}):
        totals[str(metric.measure)] += metric.value
    return {name: totals[name] / len(judged) if judged else 0.0 for name in totals}
