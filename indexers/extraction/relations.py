"""Relations from a parsed sentence: subject–verb–object triples read on the dependency parse,
and co-occurrence of entities that no verb links.

A triple's relation is the verb's lemma, with its particle ("switch_off") and, in a relative
clause, the preposition that introduces a prepositional object ("a system that relies on SOX3"
→ "rely_on"). Passives are turned active ("the journal is published by AIP" → AIP publish
journal); relative clauses take the noun they modify as subject ("a star that fuses hydrogen");
coordinated subjects, objects and verbs each give their triple. Negated verbs, modal hedges
(also those of the verb a verb is coordinated with), questions and "whether" clauses,
infinitives of purpose, participles after a noun, amounts, dates and test statistics, a verb
with two uncoordinated subjects (a clause the parser lost), and pronouns (no coreference is
resolved) give none.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from .entities import HEADINGS, NUMERIC_ENTITY_TYPES, SpanEntity, capital_heading, with_conjuncts
from .facts import CO_OCCURS, ExtractedFact

__all__ = ["verb_facts", "co_occurrence_facts", "RELATION_CONFIDENCE", "CO_OCCURRENCE_CONFIDENCE", "MAX_CO_OCCURRING"]

RELATION_CONFIDENCE = {"svo": 0.8, "svo:passive": 0.75, "svo:clause": 0.7}
CO_OCCURRENCE_CONFIDENCE = 0.3
# Entities of a sentence paired by co-occurrence: the first ones (a long list sentence would
# otherwise add its square).
MAX_CO_OCCURRING = 8
# Prepositions that introduce circumstances, not a verb's complement, and those that deny or
# contrast ("leads to immunity without the need for adjuvants" states no "lead_without need")
_ADJUNCT_PREPOSITIONS = frozenset({"due", "during", "after", "before", "since", "until", "upon", "despite", "throughout",
                                   "within", "per", "via", "for", "at", "without", "except", "unlike", "than", "among"})

# Dependency roles a verb heads a clause in; a "verb" in a nominal role is a mistagged noun
_VERBAL_ROLES = frozenset({"ROOT", "conj", "relcl", "acl", "advcl", "xcomp", "ccomp", "pcomp", "csubj", "parataxis"})
_NEGATING_QUANTIFIERS = frozenset({"less", "fewer", "no", "little", "few"})
# Amounts a noun's number can measure it in: "$241/DALY" is a rate, where "two sources" are sources
_MEASURES = frozenset({"MONEY", "QUANTITY", "PERCENT"})
_HEDGES = frozenset({"may", "might", "could", "would", "should"})
_RELATIVE = frozenset({"that", "which", "who", "whom", "whose"})
_ASKING = frozenset({"whether", "if"})


def _amount(token) -> bool:
    """Amounts and dates ("600 mg/kg", "$131", "February 28, 2017") measure a circumstance; a verb
    does not relate them (SciFact's judged sample: 3 of its 13 wrong verb facts)."""
    return bool(token.like_num or token.ent_type_ in NUMERIC_ENTITY_TYPES)


def _in_heading(token) -> bool:
    """Whether ``token`` is a section heading of a structured abstract, which the parser reads as
    the sentence's subject: in capitals ("RESULTS"), or in the title-case run a sentence opens
    with ("Design, Setting, and Participants Retrospective cohort analysis of ...")."""
    if capital_heading(token):
        return True
    run: list[int] = []
    for word in token.sent:
        if word.lower_ in HEADINGS and (word.is_title or word.text.isupper()):
            run.append(word.i)
        elif word.text not in (",", "and", "&"):
            break
    return len(run) >= 2 and token.i in run


def _denied(token) -> bool:
    """Whether a quantifier denies ``token`` ("no antidiabetic regimen", "showed less distress")."""
    return any(c.lower_ in _NEGATING_QUANTIFIERS for c in token.children)


def _clause_heads(verb) -> list:
    """``verb`` and the verbs it is coordinated under ("should provide insights and also enable
    development": enable, provide), whose negation, hedge or question it shares."""
    heads = [verb]
    while heads[-1].dep_ == "conj" and heads[-1].head.pos_ in ("VERB", "AUX"):
        heads.append(heads[-1].head)
    return heads


def _not_stated(verb) -> bool:
    """Whether the clause denies, hedges or asks what the verb says: "did not increase", "might be
    a marker and constitute", "we determined whether the cells produced"."""
    return any(c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in _HEDGES) or (c.dep_ == "mark" and c.lower_ in _ASKING)
               for head in _clause_heads(verb) for c in head.children)


def _statistic(token) -> bool:
    """A test statistic the parser reads as a noun ("P<0.04", "OR=1.5")."""
    return any(ch.isdigit() for ch in token.text) and any(sign in token.text for sign in "<=>")


def _intended(verb) -> bool:
    """Whether ``verb`` is an infinitive of purpose, which states an aim, not a fact ("changes to
    improve the ease of reporting", "an approach to block MDSC and enhance cancer therapies")."""
    def infinitive(token) -> bool:
        return any(c.dep_ == "aux" and c.tag_ == "TO" for c in token.children)

    if verb.dep_ == "conj" and infinitive(verb):
        return True  # "cells employ F-actin to increase secretion": an aim the parser coordinated
    first = _clause_heads(verb)[-1]
    return first.dep_ in ("acl", "relcl", "advcl") and infinitive(first)


def _relation(verb) -> str:
    """The verb's lemma, with its particle: "switches off" is not "switches"."""
    particles = [c.lower_ for c in verb.children if c.dep_ == "prt"]
    return "_".join([verb.lemma_.lower(), *particles[:1]])


def _subjects(verb) -> tuple[list, str]:
    children = list(verb.children)
    if verb.dep_ not in _VERBAL_ROLES:
        return [], ""  # a noun the tagger took for a verb ("ligand" as a subject)
    if verb.dep_ == "acl" and verb.tag_ in ("VBG", "VBN"):
        # A participle before its noun modifies it ("signaling pathway"); after it, the parser
        # hangs it on whichever noun is near ("a study on patients presenting to the unit",
        # "we review vasculitis focusing on its epidemiology": one of six judged was right), and
        # a past participle's "by" names a rank or a means as often as an agent ("the leading
        # cause, followed by colorectal cancer", "compared by quartiles": 9 of 15 judged right).
        return [], ""
    if verb.dep_ == "relcl" and verb.head.dep_ == "pobj":
        # "a framework for research that includes six areas", "a mimetic of the domain that binds
        # PTPσ": after a prepositional phrase the clause may qualify either noun, and the parser
        # guesses (5 of the 10 such clauses judged were wrong)
        return [], ""
    active = [c for c in children if c.dep_ == "nsubj" and not _in_heading(c)]
    passive = [c for c in children if c.dep_ == "nsubjpass"]
    agents = [p for c in children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
    if any(not any(t.pos_ == "CCONJ" for t in verb.doc[a.i + 1 : b.i]) for a, b in zip(active, active[1:], strict=False)):
        # two subjects, not coordinated: the parser lost a clause ("a resistance mechanism to
        # (AR)-directed therapy involves plasticity" has "mechanism" and "therapy")
        return [], ""
    if active:
        if active[0].lower_ in _RELATIVE and verb.dep_ == "relcl":
            return [verb.head], "svo:clause"
        return with_conjuncts(active), "svo"
    if agents:
        return with_conjuncts(agents), "svo:passive"
    if verb.dep_ == "relcl" and not passive and verb.tag_ != "VBN":  # a VBN clause with no agent is a passive
        return [verb.head], "svo:clause"
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX") and not passive \
            and not any(c.dep_ == "auxpass" for c in children):
        # a coordinated passive ("mice received a diet and were administered dosages") is done
        # to the subject it shares, not by it
        return _subjects(verb.head)
    return [], ""


def _objects(verb, rule: str) -> list[tuple[Any, str, str]]:
    """(object token, relation suffix, rule)."""
    children = list(verb.children)
    found: list[tuple[Any, str, str]] = []
    if rule == "svo:passive":
        found += [(t, "", rule) for t in with_conjuncts([c for c in children if c.dep_ == "nsubjpass"])]
    direct = [(t, "", rule) for t in with_conjuncts([c for c in children if c.dep_ in ("dobj", "obj")])]
    found += direct
    if rule in ("svo", "svo:passive") or direct:
        # A passive's prepositions, and those of a verb that has its object, say how, when or
        # where ("controls expression upon activation", "has effects by regulation"), rarely
        # what the verb relates: SciFact's judged sample had 6 of 12 prepositional facts wrong,
        # 5 of those 6 beside a direct object or in a passive. Those of a main clause's
        # intransitive verb were no better than a coin (9 of 19 right in two judged samples:
        # "remain over a wide range", "disappeared in addition", "varies as a function"): the
        # two entities are left to co-occurrence. A relative clause's stay ("a system relying
        # on SOX3 dosage", "movements that resulted in gains").
        return found
    for preposition in (c for c in children if c.dep_ == "prep" and c.lower_ not in _ADJUNCT_PREPOSITIONS):
        complements = [c for c in preposition.children if c.dep_ == "pobj"]
        if any(_amount(c) or any(g.dep_ in ("nummod", "quantmod") and g.ent_type_ in _MEASURES for g in c.children)
               for c in complements):
            continue  # "ranged from $131 to $241/DALY": a range of amounts, and a rate ("$241/DALY")
        for target in with_conjuncts(complements):
            found.append((target, f"_{preposition.lower_}", rule))
    return found


def verb_facts(sentence, entities: list[SpanEntity]) -> list[ExtractedFact]:
    by_token = {i: entity for entity in entities for i in range(entity.first, entity.last + 1)}
    facts: list[ExtractedFact] = []
    if sentence.text.rstrip().endswith("?"):
        return facts  # a question states nothing
    for verb in sentence:
        if verb.pos_ != "VERB" or verb.lemma_ == "be" or capital_heading(verb):
            continue  # "METHODS AND RESULTS A total of 23 patients": a heading, not a verb
        if _not_stated(verb) or _intended(verb):
            continue
        subject_tokens, rule = _subjects(verb)
        if not subject_tokens:
            continue
        lemma = _relation(verb)
        for subject_token in subject_tokens:
            subject = by_token.get(subject_token.i)
            if subject is None or _amount(subject_token) or _in_heading(subject_token) \
                    or _denied(subject_token):
                continue  # "No antidiabetic regimen has demonstrated the ability": denied
            for object_token, suffix, object_rule in _objects(verb, rule):
                if _denied(object_token) or _amount(object_token) or _statistic(object_token):
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
