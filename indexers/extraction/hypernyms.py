"""Is-a facts from a parsed sentence.

Lexico-syntactic patterns (Hearst, "Automatic acquisition of hyponyms from large text corpora",
COLING 1992), read on the dependency parse instead of the word sequence:

- ``X such as Y1, Y2 and Y3`` and ``such X as Y``;
- ``Y and/or other X``;
- ``X, including Y`` (and ``X, especially Y``);
- ``Y is a/an X`` (copula with an indefinite noun, not negated), ``Y is one of the X``;
- appositives: ``Y, a X,`` where Y is a name and X a common noun phrase;

and head-noun subsumption: a noun phrase is a kind of its head ("gram-negative bacterium" ⊑
"bacterium"), through the head's compound core ("thick carbon dioxide atmosphere" ⊑ "carbon
dioxide atmosphere" ⊑ "atmosphere"), except after a modifier that negates the head ("former
president", "putative receptor").

A parent is always a common noun phrase (a class); a proper name is never anyone's parent.
"""

from __future__ import annotations

from collections.abc import Iterator

from .entities import SpanEntity, entity_key, with_conjuncts
from .facts import IS_A, ExtractedEntity, ExtractedFact

__all__ = ["is_a_facts", "head_noun_facts", "RULE_CONFIDENCE"]

RULE_CONFIDENCE = {
    "hearst:such-as": 0.85,
    "hearst:and-other": 0.8,
    "hearst:including": 0.75,
    "copula": 0.85,
    "copula:one-of": 0.8,
    "appositive": 0.75,
    "head-noun": 0.9,
}
_NON_INTERSECTIVE = frozenset(
    "former alleged fake false pseudo potential putative possible probable apparent so-called would-be mock ex "
    "non anti candidate proposed presumed suspected hypothetical virtual artificial".split()
)


class _Sentence:
    def __init__(self, sentence, entities: list[SpanEntity]) -> None:
        self.sentence = sentence
        self.by_token = {i: entity for entity in entities for i in range(entity.first, entity.last + 1)}

    def entity(self, token) -> SpanEntity | None:
        return self.by_token.get(token.i)

    def fact(self, child: SpanEntity, parent: SpanEntity, rule: str) -> ExtractedFact | None:
        if parent.entity.kind != "concept" or child.entity.key == parent.entity.key:
            return None
        sentence = self.sentence
        return ExtractedFact(child.entity.key, IS_A, parent.entity.key, rule, RULE_CONFIDENCE[rule],
                             sentence.start_char, sentence.end_char, sentence.text)

    def pairs(self, children, parent_token, rule: str) -> Iterator[ExtractedFact]:
        parent = self.entity(parent_token)
        if parent is None:
            return
        for token in with_conjuncts(children):
            child = self.entity(token)
            if child is not None and child is not parent:
                fact = self.fact(child, parent, rule)
                if fact is not None:
                    yield fact


def is_a_facts(sentence, entities: list[SpanEntity]) -> list[ExtractedFact]:
    found = _Sentence(sentence, entities)
    facts: list[ExtractedFact] = []
    for token in sentence:
        lower = token.lower_
        if lower == "as" and token.dep_ == "prep" and any(c.lower_ == "such" for c in token.children):
            facts += found.pairs([c for c in token.children if c.dep_ == "pobj"], token.head, "hearst:such-as")
        elif lower == "as" and token.dep_ == "prep" and token.head.pos_ in ("NOUN", "PROPN") and any(
            c.lower_ == "such" for c in token.head.children
        ):
            facts += found.pairs([c for c in token.children if c.dep_ == "pobj"], token.head, "hearst:such-as")
        elif lower == "other" and token.dep_ == "amod" and token.head.dep_ == "conj":
            # "Y and other X": X is a conjunct of Y
            parent = token.head
            if any(c.lower_ in ("and", "or") for c in parent.head.children):
                facts += found.pairs([parent.head], parent, "hearst:and-other")
        elif lower in ("including", "especially", "particularly") and token.head.pos_ in ("NOUN", "PROPN"):
            objects = [c for c in token.children if c.dep_ == "pobj"]
            if lower == "including" or objects:
                facts += found.pairs(objects, token.head, "hearst:including")
        elif token.lemma_ == "be" and token.pos_ == "AUX" and token.dep_ == "ROOT" or (
            token.lemma_ == "be" and token.dep_ in ("relcl", "ccomp", "conj") and token.pos_ == "AUX"
        ):
            facts += _copula(found, token)
        elif token.dep_ == "appos" and token.pos_ == "NOUN" and token.head.pos_ == "PROPN":
            if any(c.dep_ == "det" and c.lower_ in ("a", "an", "the") for c in token.children):
                facts += found.pairs([token.head], token, "appositive")
    return [fact for fact in facts if fact is not None]


def _copula(found: _Sentence, verb) -> list[ExtractedFact]:
    children = list(verb.children)
    if any(c.dep_ == "neg" for c in children):
        return []
    subjects = [c for c in children if c.dep_ == "nsubj"]
    attributes = [c for c in children if c.dep_ == "attr"]
    if not subjects or not attributes:
        return []
    attribute = attributes[0]
    if attribute.lower_ == "one":  # "Y is one of the X"
        of = [c for c in attribute.children if c.dep_ == "prep" and c.lower_ == "of"]
        objects = [c for c in of[0].children if c.dep_ == "pobj"] if of else []
        return list(found.pairs(subjects, objects[0], "copula:one-of")) if objects else []
    determiners = [c.lower_ for c in attribute.children if c.dep_ == "det"]
    superlative = any(c.tag_ == "JJS" for c in attribute.children)  # "the smallest planet"
    if attribute.pos_ != "NOUN" or not (set(determiners) & {"a", "an"} or superlative and "the" in determiners):
        return []
    return list(found.pairs(subjects, attribute, "copula"))


def head_noun_facts(sentence, entities: list[SpanEntity]) -> tuple[list[ExtractedEntity], list[ExtractedFact]]:
    """For each multi-word concept: the classes of its compound core and head noun, and the
    subsumptions label ⊑ core ⊑ head."""
    doc = sentence.doc
    classes: list[ExtractedEntity] = []
    facts: list[ExtractedFact] = []
    for span in entities:
        if span.entity.kind != "concept" or span.first == span.last or doc[span.root].pos_ != "NOUN":
            continue  # a proper noun's head is a name, not a class ("Pizza marinara")
        if doc[span.first].lower_ in _NON_INTERSECTIVE or doc[span.first].lower_.split("-")[0] in _NON_INTERSECTIVE:
            continue
        root = doc[span.root]
        # the head with its compounds, each with its own modifiers ("white matter fiber organization")
        compounds = [c for c in root.lefts if c.dep_ == "compound"]
        core_first = max(span.first, min((c.left_edge.i for c in compounds), default=span.root))
        chain = []
        if span.first < core_first < span.root:
            chain.append(doc.text[doc[core_first].idx : root.idx + len(root.text)])
        chain.append(root.lemma_.lower() if root.pos_ == "NOUN" else root.text)
        child = span.entity
        for label in chain:
            key = entity_key(label)
            if not key or key == child.key:
                continue
            parent = ExtractedEntity(key, label, "concept")
            classes.append(parent)
            facts.append(ExtractedFact(child.key, IS_A, key, "head-noun", RULE_CONFIDENCE["head-noun"],
                                       sentence.start_char, sentence.end_char, sentence.text))
            child = parent
    return classes, facts
