"""A named registry: the one place a fixed set of choices (encoder backends, index components,
signals, search modes, fusion methods) is listed, so that errors, the CLI and the HTTP API
derive their allowed values from it instead of restating them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from .errors import InvalidArgumentError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Name → item, in registration order; looking up an unknown name lists the allowed ones."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T, replace: bool = False) -> T:
        if name in self._items and not replace:
            raise ValueError(f"{self.what} {name!r} is registered already")
        self._items[name] = item
        return item

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def __getitem__(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise InvalidArgumentError(f"unknown {self.what} {name!r} (allowed: {', '.join(self._items)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> tuple[str, ...]:
        return tuple(self._items)

    def items(self):
        return self._items.items()

    def values(self):
        return self._items.values()
