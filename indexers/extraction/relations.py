"""Relations from a parsed sentence: subject–verb–object triples read on the dependency parse,
and co-occurrence of entities that no verb links.

A triple's relation is the verb's lemma, with the preposition that introduces a prepositional
object ("fuse_into"). Passives are turned active ("the journal is published by AIP" → AIP
publish journal); relative clauses and participles take the noun they modify as subject ("a
star that fuses hydrogen", "the energy reaching Earth"); coordinated subjects, objects and verbs
each give their triple. Negated verbs, modal hedges and pronouns (no coreference is resolved)
give none.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from .entities import SpanEntity, with_conjuncts
from .facts import CO_OCCURS, ExtractedFact

__all__ = ["verb_facts", "co_occurrence_facts", "RELATION_CONFIDENCE", "CO_OCCURRENCE_CONFIDENCE", "MAX_CO_OCCURRING"]

RELATION_CONFIDENCE = {"svo": 0.8, "svo:passive": 0.75, "svo:clause": 0.7, "svo:preposition": 0.6}
CO_OCCURRENCE_CONFIDENCE = 0.3
# Entities of a sentence paired by co-occurrence: the first ones (a long list sentence would
# otherwise add its square).
MAX_CO_OCCURRING = 8
# Prepositions that introduce circumstances, not a verb's complement
_ADJUNCT_PREPOSITIONS = frozenset({"due", "during", "after", "before", "since", "until", "upon", "despite", "throughout",
                                   "within", "per", "via", "for", "at"})
# Dependency roles a verb heads a clause in; a "verb" in a nominal role is a mistagged noun
_VERBAL_ROLES = frozenset({"ROOT", "conj", "relcl", "acl", "advcl", "xcomp", "ccomp", "pcomp", "csubj", "parataxis"})
_NEGATING_QUANTIFIERS = frozenset({"less", "fewer", "no", "little", "few"})
_HEDGES = frozenset({"may", "might", "could", "would", "should"})
_RELATIVE = frozenset({"that", "which", "who", "whom", "whose"})


def _subjects(verb) -> tuple[list, str]:
    children = list(verb.children)
    if verb.dep_ not in _VERBAL_ROLES:
        return [], ""  # a noun the tagger took for a verb ("ligand" as a subject)
    if verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.i < verb.head.i:
        return [], ""  # a participle before its noun modifies it ("signaling pathway")
    active = [c for c in children if c.dep_ in ("nsubj",)]
    passive = [c for c in children if c.dep_ == "nsubjpass"]
    agents = [p for c in children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
    if active:
        if active[0].lower_ in _RELATIVE and verb.dep_ == "relcl":
            return [verb.head], "svo:clause"
        return with_conjuncts(active), "svo"
    if agents:
        return with_conjuncts(agents), "svo:passive"
    if verb.dep_ == "acl" and verb.tag_ == "VBG":  # "the energy reaching Earth"
        return [verb.head], "svo:clause"
    if verb.dep_ == "relcl" and not passive and verb.tag_ != "VBN":  # a VBN clause with no agent is a passive
        return [verb.head], "svo:clause"
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _subjects(verb.head)
    return [], ""


def _objects(verb, rule: str) -> list[tuple[Any, str, str]]:
    """(object token, relation suffix, rule)."""
    children = list(verb.children)
    found: list[tuple[Any, str, str]] = []
    if rule == "svo:passive":
        found += [(t, "", rule) for t in with_conjuncts([c for c in children if c.dep_ == "nsubjpass"])]
    if verb.dep_ == "acl" and verb.tag_ == "VBN":  # "a journal published by AIP": the journal is the object
        found += [(verb.head, "", rule)]
    direct = [(t, "", rule) for t in with_conjuncts([c for c in children if c.dep_ in ("dobj", "obj")])]
    found += direct
    if rule == "svo:passive" or direct:
        # A passive's prepositions, and those of a verb that has its object, say how, when or
        # where ("controls expression upon activation", "has effects by regulation"), rarely
        # what the verb relates: SciFact's judged sample had 6 of 12 prepositional facts wrong,
        # 5 of those 6 beside a direct object or in a passive.
        return found
    for preposition in (c for c in children if c.dep_ == "prep" and c.lower_ not in _ADJUNCT_PREPOSITIONS):
        for target in with_conjuncts([c for c in preposition.children if c.dep_ == "pobj"]):
            found.append((target, f"_{preposition.lower_}", "svo:preposition" if rule == "svo" else rule))
    return found


def verb_facts(sentence, entities: list[SpanEntity]) -> list[ExtractedFact]:
    by_token = {i: entity for entity in entities for i in range(entity.first, entity.last + 1)}
    facts: list[ExtractedFact] = []
    for verb in sentence:
        if verb.pos_ != "VERB" or verb.lemma_ == "be":
            continue
        if any(c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in _HEDGES) for c in verb.children):
            continue
        subject_tokens, rule = _subjects(verb)
        if not subject_tokens:
            continue
        if rule == "svo:clause" and verb.dep_ == "acl" and verb.tag_ == "VBN":
            continue  # handled below as a passive with its agent
        agents = [p for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
        if verb.dep_ == "acl" and verb.tag_ == "VBN" and agents:
            subject_tokens, rule = with_conjuncts(agents), "svo:passive"
        lemma = verb.lemma_.lower()
        for subject_token in subject_tokens:
            subject = by_token.get(subject_token.i)
            if subject is None:
                continue
            for object_token, suffix, object_rule in _objects(verb, rule):
                if any(c.lower_ in _NEGATING_QUANTIFIERS for c in object_token.children):
                    continue  # "showed less distress" does not say it showed distress
                target = by_token.get(object_token.i)
                if target is None or target.entity.key == subject.entity.key:
                    continue
                if suffix == "_by" and rule == "svo:passive":
                    continue  # the agent itself
                facts.append(ExtractedFact(subject.entity.key, lemma + suffix, target.entity.key, object_rule,
                                           RELATION_CONFIDENCE[object_rule], sentence.start_char, sentence.end_char,
                                           sentence.text))
    return facts


def co_occurrence_facts(start: int, end: int, text: str, keys: list[str], linked: set[frozenset[str]]) -> list[ExtractedFact]:
    """One fact per pair of distinct entities of the sentence that ``linked`` (pairs a verb or a
    pattern linked) does not hold, subject before object in key order."""
    distinct = list(dict.fromkeys(keys))[:MAX_CO_OCCURRING]
    facts = []
    for first, second in combinations(distinct, 2):
        if frozenset((first, second)) in linked:
            continue
        subject, target = sorted((first, second))
        facts.append(ExtractedFact(subject, CO_OCCURS, target, "co-occurrence", CO_OCCURRENCE_CONFIDENCE, start, end, text))
    return facts
