"""Retrieval metrics, computed by ir-measures (backed by pytrec_eval), never by hand.

nDCG@10 (Järvelin & Kekäläinen, 2002), Recall@100, MRR@10 (reciprocal rank of the first
relevant document in the top 10, averaged over queries), and the set measures of the top 10 that
the seed evaluated by: P@10, Recall@10 and their F1 (van Rijsbergen, "Information Retrieval",
1979: F1 = 2PR / (P + R)), each query's F1 from its own P@10 and Recall@10, then averaged.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["F1", "MEASURES", "evaluate"]

MEASURES = ("nDCG@10", "R@100", "RR@10", "P@10", "R@10")
F1 = "F1@10"  # from each query's P@10 and R@10


def evaluate(
    run: Mapping[str, Mapping[str, float]], qrels: Mapping[str, Mapping[str, int]], extra: tuple[str, ...] = ()
) -> dict[str, float]:
    """Mean of each measure over every judged query; a query with no results counts as 0.

    pytrec_eval alone would average only over queries present in the run, which flatters a
    system that returns nothing for hard queries. ``extra``: more measures by ir-measures' name
    (``R@2``, ``R@5``: passage recall, the multi-hop collections' measure).
    """
    import ir_measures

    measures = [ir_measures.parse_measure(name) for name in dict.fromkeys((*MEASURES, *extra))]
    judged = [qid for qid, judgements in qrels.items() if any(rel > 0 for rel in judgements.values())]
    totals = {str(measure): 0.0 for measure in measures}
    per_query: dict[str, dict[str, float]] = {}
    for metric in ir_measures.iter_calc(measures, {q: dict(qrels[q]) for q in judged}, {q: dict(d) for q, d in run.items()}):
        totals[str(metric.measure)] += metric.value
        per_query.setdefault(metric.query_id, {})[str(metric.measure)] = metric.value
    totals[F1] = sum(_f1(values.get("P@10", 0.0), values.get("R@10", 0.0)) for values in per_query.values())
    return {name: totals[name] / len(judged) if judged else 0.0 for name in totals}


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
