"""Short, readable names for entities and class expressions (Manchester-syntax style)."""

from __future__ import annotations

import re

__all__ = ["local_name", "display_name", "render_expression", "split_camel_case"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return re.split(r"[#/]", iri.rstrip("#/"))[-1] or iri


def split_camel_case(name: str) -> str:
    """``AmericanHot`` → ``American Hot``; ``hasTopping`` → ``has Topping``; underscores become spaces."""
    return " ".join(_CAMEL.sub(" ", name.replace("_", " ")).split())


def display_name(entity) -> str:
    return getattr(entity, "name", None) or local_name(getattr(entity, "iri", str(entity)))


def render_expression(expression) -> str:
    """``Pizza and (hasTopping some SpicyTopping)`` for owlready2's ``Pizza & hasTopping.some(SpicyTopping)``."""
    import owlready2

    keywords = {
        owlready2.SOME: "some", owlready2.ONLY: "only", owlready2.VALUE: "value",
        owlready2.EXACTLY: "exactly", owlready2.MIN: "min", owlready2.MAX: "max",
    }
    if isinstance(expression, owlready2.Restriction):
        prop = display_name(expression.property)
        keyword = keywords.get(expression.type, "?")
        if expression.type in (owlready2.EXACTLY, owlready2.MIN, owlready2.MAX):
            filler = f" {render_expression(expression.value)}" if expression.value is not None else ""
            return f"({prop} {keyword} {expression.cardinality}{filler})"
        return f"({prop} {keyword} {render_expression(expression.value)})"
    if isinstance(expression, owlready2.And):
        return " and ".join(render_expression(part) for part in expression.Classes)
    if isinstance(expression, owlready2.Or):
        return "(" + " or ".join(render_expression(part) for part in expression.Classes) + ")"
    if isinstance(expression, owlready2.Not):
        return f"not {render_expression(expression.Class)}"
    if isinstance(expression, owlready2.OneOf):
        return "{" + ", ".join(render_expression(i) for i in expression.instances) + "}"
    if hasattr(expression, "iri") or hasattr(expression, "name"):
        return display_name(expression)
    return repr(expression)
