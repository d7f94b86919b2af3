"""A knowledge-grounded retrieval benchmark made from the Manchester pizza ontology.

Documents describe each named pizza by what the ontology asserts about it (its toppings, base
and country of origin), and each topping by its asserted spiciness; none names a class a pizza
is only *inferred* to belong to. Queries name the ontology's defined pizza classes ("spicy
pizza", "vegetarian pizza", ...). Judgements: a pizza's document is relevant (grade 1) to the
query for class C exactly when HermiT, run directly through owlready2 on pizza.owl, classifies
that pizza under C. So relevance is decided by reasoning, not by words; the benchmark measures
how much of that a retrieval system recovers.

Multi-entity queries (ids ``m-...``) name two things ("pizza with a fish topping from Italy"):
relevant are the pizzas that meet both, each condition decided the same way (a class HermiT
puts the pizza under, a topping class one of its asserted toppings falls under, its asserted
country of origin).

    python -m scientia.benchmarks.pizza_knowledge ../shared/ontologies/pizza/pizza.owl bench-out/pizza-knowledge

writes a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv, README.md) built from the
ontology at run time; nothing derived from the ontology is committed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scientia.reasoners.render import split_camel_case

QUERY_CLASSES = (
    "SpicyPizza", "MeatyPizza", "VegetarianPizza", "NonVegetarianPizza", "RealItalianPizza",
    "ThinAndCrispyPizza", "InterestingPizza", "CheeseyPizza",
)


# (query text, conditions): a condition is ("class", C), ("topping", T) or ("country", individual)
MULTI_ENTITY_QUERIES = (
    ("spicy pizza with a cheese topping", (("class", "SpicyPizza"), ("topping", "CheeseTopping"))),
    ("vegetarian pizza with a pepper topping", (("class", "VegetarianPizza"), ("topping", "PepperTopping"))),
    ("pizza with a fish topping from Italy", (("topping", "FishTopping"), ("country", "Italy"))),
    ("meaty pizza with a spicy topping", (("class", "MeatyPizza"), ("topping", "SpicyTopping"))),
    ("vegetarian pizza from Italy", (("class", "VegetarianPizza"), ("country", "Italy"))),
    ("spicy pizza from America", (("class", "SpicyPizza"), ("country", "America"))),
)


def _words(name: str) -> str:
    return split_camel_case(name).replace(" Topping", "").lower()


def _asserted_values(cls, prop_name: str) -> list:
    import owlready2

    values = []
    for parent in cls.is_a:
        if isinstance(parent, owlready2.Restriction) and getattr(parent.property, "name", "") == prop_name:
            if isinstance(parent.value, (owlready2.ThingClass, owlready2.Thing)):
                values.append(parent.value)
    return values


def build(ontology: Path, out: Path) -> dict[str, int]:
    import owlready2

    from scientia.reasoners.java import find_java

    world = owlready2.World()
    pizza = world.get_ontology(ontology.resolve().as_uri()).load(only_local=True)
    saved = owlready2.JAVA_EXE
    owlready2.JAVA_EXE = find_java()
    try:
        with pizza:
            owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
    finally:
        owlready2.JAVA_EXE = saved
    named_pizza = world.search_one(iri="*#NamedPizza")
    pizzas = sorted((p for p in named_pizza.descendants() if p is not named_pizza), key=lambda c: c.name)
    topping_root = world.search_one(iri="*#PizzaTopping")
    toppings = sorted((t for t in topping_root.descendants() if t is not topping_root), key=lambda c: c.name)

    documents = []
    for cls in pizzas:
        parts = [_words(t.name) for t in _asserted_values(cls, "hasTopping")]
        text = f"{split_camel_case(cls.name)} is a pizza topped with " + (", ".join(parts) if parts else "nothing in particular") + "."
        bases = [_words(b.name) for b in _asserted_values(cls, "hasBase")]
        if bases:
            text += f" It is baked on a {bases[0]}."
        origin = [getattr(c, "name", str(c)) for c in _asserted_values(cls, "hasCountryOfOrigin")]
        if origin:
            text += f" It comes from {origin[0]}."
        documents.append({"_id": f"pizza-{cls.name}", "title": split_camel_case(cls.name), "text": text})
    for cls in toppings:
        spiciness = [getattr(v, "name", "") for v in _asserted_values(cls, "hasSpiciness")]
        text = f"{_words(cls.name).capitalize()} is a pizza topping."
        if spiciness:
            text += f" Its spiciness is {spiciness[0].lower()}."
        documents.append({"_id": f"topping-{cls.name}", "title": _words(cls.name), "text": text})

    queries, qrels = [], []
    for name in QUERY_CLASSES:
        cls = world.search_one(iri=f"*#{name}")
        members = [p for p in pizzas if cls in p.ancestors() and p is not cls]
        if not members:
            continue
        queries.append({"_id": f"q-{name}", "text": split_camel_case(name).lower()})
        qrels += [(f"q-{name}", f"pizza-{p.name}", 1) for p in members]

    def meets(pizza, condition: tuple[str, str]) -> bool:
        kind, name = condition
        if kind == "class":
            return world.search_one(iri=f"*#{name}") in pizza.ancestors()
        if kind == "topping":
            wanted = world.search_one(iri=f"*#{name}")
            return any(wanted in topping.ancestors() for topping in _asserted_values(pizza, "hasTopping"))
        return any(getattr(c, "name", "") == name for c in _asserted_values(pizza, "hasCountryOfOrigin"))

    for number, (text, conditions) in enumerate(MULTI_ENTITY_QUERIES):
        members = [p for p in pizzas if all(meets(p, condition) for condition in conditions)]
        if members:
            queries.append({"_id": f"m-{number}", "text": text})
            qrels += [(f"m-{number}", f"pizza-{p.name}", 1) for p in members]

    out.mkdir(parents=True, exist_ok=True)
    (out / "qrels").mkdir(exist_ok=True)
    (out / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in documents))
    (out / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    # test: every query; single and multi: the one-class and the multi-entity queries apart
    for split, keep in (("test", lambda q: True), ("single", lambda q: q.startswith("q-")), ("multi", lambda q: q.startswith("m-"))):
        (out / "qrels" / f"{split}.tsv").write_text(
            "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in qrels if keep(q))
        )
    (out / "README.md").write_text(__doc__ or "")
    return {"documents": len(documents), "queries": len(queries), "judgements": len(qrels)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("ontology", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(json.dumps(build(args.ontology, args.out)))


if __name__ == "__main__":
    main()
