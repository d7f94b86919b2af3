"""A named registry: the one place a fixed set of choices (encoder backends, index components,
signals, search modes, fusion methods) is listed, so that errors, the CLI and the HTTP API
derive their allowed values from it instead of restating them."""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, ValuesView
from typing import Any, Generic, TypeVar

from .errors import InvalidArgumentError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Name → item, in registration order; looking up an unknown name lists the allowed ones.

    ``on_first_use``: called once before the first lookup (not before registrations), so that
    installed plugins are registered by the time anyone asks what there is.
    """

    def __init__(self, what: str, on_first_use: Callable[[], Any] | None = None) -> None:
        self.what = what
        self._items: dict[str, T] = {}
        self._on_first_use = on_first_use

    def _ready(self) -> dict[str, T]:
        # The hook is dropped only once it has run: a thread that looks up while another runs it
        # calls it too, and the hook (load_plugins) makes it wait until the first one is done.
        hook = self._on_first_use
        if hook is not None:
            hook()
            self._on_first_use = None
        return self._items

    def register(self, name: str, item: T, replace: bool = False) -> T:
        if name in self._items and not replace:
            raise ValueError(f"{self.what} {name!r} is registered already")
        self._items[name] = item
        return item

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def __getitem__(self, name: str) -> T:
        try:
            return self._ready()[name]
        except KeyError:
            raise InvalidArgumentError(f"unknown {self.what} {name!r} (allowed: {', '.join(self._items)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._ready()

    def __iter__(self) -> Iterator[str]:
        return iter(self._ready())

    def __len__(self) -> int:
        return len(self._ready())

    def names(self) -> tuple[str, ...]:
        return tuple(self._ready())

    def items(self) -> ItemsView[str, T]:
        return self._ready().items()

    def values(self) -> ValuesView[T]:
        return self._ready().values()
