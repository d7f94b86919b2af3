"""Join order for basic graph patterns over the stored graph.

rdflib evaluates a BGP's triple patterns in a fixed order, as nested loops. LUBM's query 2
(``?X a GraduateStudent . ?Y a University . ?Z a Department . ?X memberOf ?Z ...``) then
enumerated students × departments: 158,000 store lookups and over a minute. Here each step picks
the pattern expected to yield fewest solutions under the bindings made so far (the greedy,
bound-is-easier rule of Stocker et al., "SPARQL Basic Graph Pattern Optimization Using
Selectivity Estimation", WWW 2008): a pattern's estimate is the number of stored triples with its
constants, divided, for each position a variable already bound, by the number of distinct
values in that position. The counts come from SQLite's indexes, once per pattern and query.

It runs only for datasets over :class:`~.quadstore.QuadstoreView`; any other rdflib graph is
evaluated by rdflib as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import QueryContext

__all__ = ["evaluate_bgp", "register"]

_NAME = "scientia-bgp-order"


def register() -> None:
    """Add the planner to rdflib's custom evaluation functions (once per process)."""
    from rdflib.plugins.sparql import CUSTOM_EVALS

    CUSTOM_EVALS.setdefault(_NAME, evaluate_bgp)


def evaluate_bgp(ctx: QueryContext, part):
    from .quadstore import QuadstoreView

    store = getattr(getattr(ctx, "dataset", None), "store", None)
    if part.name != "BGP" or not isinstance(store, QuadstoreView):
        raise NotImplementedError  # rdflib's own evaluation
    from rdflib.term import Variable

    patterns = tuple(part.triples)
    bound = frozenset(t for pattern in patterns for t in pattern if isinstance(t, Variable) and ctx[t] is not None)
    order = join_order(patterns, bound, store)
    if ctx.graph is ctx.dataset and order:  # the default graph: the whole BGP as one SQL join
        from .bgp_sql import compile_bgp

        statement = compile_bgp(order, ctx.__getitem__, store)
        if statement is not None:
            return _solutions(ctx, statement, store)
    return _matched(ctx, order, 0, store)


def join_order(patterns: tuple, bound: frozenset, store) -> tuple[tuple, ...]:
    """The patterns in the order they are matched: greedily, the one expected to yield fewest
    solutions given the variables bound before it. Which variables are bound follows from the
    patterns already matched, whatever their values, so the order is chosen once per BGP."""
    from rdflib.term import Variable

    estimates: dict = {}
    remaining, order = list(patterns), []
    while remaining:
        chosen = min(remaining, key=lambda pattern: _estimate(pattern, bound, store, estimates))
        remaining.remove(chosen)
        order.append(chosen)
        bound = bound | {t for t in chosen if isinstance(t, Variable)}
    return tuple(order)


def _solutions(ctx, statement, store):
    from .bgp_sql import NO_SOLUTION

    if statement is NO_SOLUTION:
        return
    for values in statement.solutions(store):
        c = ctx.push()
        for variable, value in values.items():
            c[variable] = value
        yield c.solution()


def _matched(ctx, order: tuple[tuple, ...], step: int, store):
    """rdflib's evalBGP over ``order`` from its ``step``-th pattern: a store lookup per partial
    solution (named graphs, paths, and what :mod:`.bgp_sql` does not compile)."""
    from rdflib.plugins.sparql.sparql import AlreadyBound
    from rdflib.term import URIRef

    if step == len(order):
        yield ctx.solution()
        return
    s, p, o = order[step]
    _s, _p, _o = ctx[s], ctx[p], ctx[o]
    if ctx.graph is ctx.dataset and (_p is None or isinstance(_p, URIRef)):
        # the default graph, the union, and no property path (rdflib's Graph evaluates those): straight to the store
        matches = (triple for triple, _ in store.triples((_s, _p, _o)))
    else:
        matches = ctx.graph.triples((_s, _p, _o))
    for ss, sp, so in matches:
        c = ctx.push() if None in (_s, _p, _o) else ctx
        try:
            if _s is None:
                c[s] = ss
            if _p is None:
                c[p] = sp
            if _o is None:
                c[o] = so
        except AlreadyBound:  # the same variable twice in the pattern, bound to two values
            continue
        yield from _matched(c, order, step + 1, store)


def _estimate(pattern: tuple, bound: frozenset, store, estimates: dict) -> float:
    from rdflib.term import URIRef, Variable

    fixed = tuple(not isinstance(term, Variable) or term in bound for term in pattern)
    if all(fixed):
        return 0.0  # a check, never more than one solution
    key = (pattern, fixed)
    if key not in estimates and not isinstance(pattern[1], (URIRef, Variable)):
        # a property path: nothing to count; after the patterns that bind its ends, if any
        ends = fixed[0] + fixed[2]
        estimates[key] = store.count((None, None, None)) / (100.0 ** ends)
    if key not in estimates:
        constants = tuple(None if isinstance(term, Variable) else term for term in pattern)
        total = store.count(constants)
        for position, (is_fixed, term) in enumerate(zip(fixed, pattern, strict=False)):
            if is_fixed and isinstance(term, Variable):
                total /= max(1, store.distinct(position, constants))
        estimates[key] = total
    return estimates[key]
