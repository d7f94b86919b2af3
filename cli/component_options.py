"""Build flags derived from what each index component declares (``Component.Options``).

A component's options dataclass gives its fields, their types, defaults and help; each becomes a
flag of ``index build`` (``--NAME-FIELD``, or the field's ``flag`` metadata), so that a plugin's
component brings its own flags with no edit here. What the flags were given is handed to the
build as ``BuildOptions.components``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

import typer

__all__ = ["COMPONENT_OPTIONS", "with_component_options"]

# The keyword the wrapped command receives: {component name: its Options instance}.
COMPONENT_OPTIONS = "component_options"
_SEPARATOR = "__"


def _declared() -> list[tuple[str, type, dataclasses.Field[Any], Any]]:
    """(component, Options class, field, resolved type) of every registered component's options."""
    from scientia.indexers.components import COMPONENTS

    found = []
    for component in COMPONENTS.values():
        if component.Options is None:
            continue
        hints = typing.get_type_hints(component.Options)
        for field in dataclasses.fields(component.Options):
            found.append((component.name, component.Options, field, hints[field.name]))
    return found


def with_component_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` with one more flag per declared component option; it receives them gathered
    as ``component_options={component: Options(...)}``."""
    declared = _declared()
    signature = inspect.signature(command, eval_str=True)
    parameters = [p for p in signature.parameters.values() if p.name != COMPONENT_OPTIONS]
    for component, _, field, kind in declared:
        default = field.default if field.default is not dataclasses.MISSING else typing.cast(Any, field.default_factory)()
        flag = field.metadata.get("flag") or f"--{component}-{field.name}".replace("_", "-")
        help_text = f"{field.metadata.get('help', '')} [{component} component]"
        parameters.append(inspect.Parameter(
            f"{component}{_SEPARATOR}{field.name}", inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(default, flag, help=help_text.strip()), annotation=kind,
        ))

    @functools.wraps(command)
    def wrapper(**arguments: Any) -> Any:
        given: dict[str, dict[str, Any]] = {}
        for name in [name for name in arguments if _SEPARATOR in name]:
            component, field_name = name.split(_SEPARATOR, 1)
            given.setdefault(component, {})[field_name] = arguments.pop(name)
        options = {component: options_class(**given.get(component, {}))
                   for component, options_class in {c: o for c, o, _, _ in declared}.items()}
        return command(**arguments, **{COMPONENT_OPTIONS: options})

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper
