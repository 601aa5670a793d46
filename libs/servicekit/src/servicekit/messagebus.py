"""The composition of one process: commands to their handlers, with their dependencies.

Every use case is written ``handler(command, uow, *, dependency, …)``. A service's
``bootstrap`` builds one :class:`MessageBus` per process — real dependencies in
the processes, fakes in the unit tests — and every entrypoint (the API, the
consumer, a loop) runs use cases only through ``bus.handle(command)``. The bus
gives each command a fresh unit of work, or the one it is handed (the consumer's,
which joins the inbox transaction), and binds the keyword-only parameters of the
handler from the dependencies by name, once, when the bus is built: a handler
asking for a dependency nobody provides fails at start, not on first use.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .unit_of_work import UnitOfWork

Handler = Callable[..., Any]


def inject_dependencies(handler: Handler, dependencies: Mapping[str, Any]) -> Callable[[Any, UnitOfWork], Any]:
    """``handler`` with its keyword-only parameters bound from ``dependencies``."""
    wanted = {
        name: parameter
        for name, parameter in inspect.signature(handler).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    missing = [name for name, p in wanted.items() if name not in dependencies and p.default is inspect.Parameter.empty]
    if missing:
        raise TypeError(f"{handler.__qualname__} needs {', '.join(missing)}, which bootstrap does not provide")
    bound = {name: dependencies[name] for name in wanted if name in dependencies}

    def call(command: Any, uow: UnitOfWork) -> Any:
        return handler(command, uow, **bound)

    call.__name__ = call.__qualname__ = handler.__name__
    return call


class MessageBus:
    """Routes a command to its one handler with a unit of work."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        handlers: Mapping[type, Handler],
        dependencies: Mapping[str, Any] | None = None,
    ) -> None:
        self.uow = uow
        self.dependencies = dict(dependencies or {})
        self._handlers = {kind: inject_dependencies(handler, self.dependencies) for kind, handler in handlers.items()}

    def handle(self, command: Any, uow: UnitOfWork | None = None) -> Any:
        """Run the use case for ``command`` in ``uow``, or in a unit of work of its own."""
        try:
            handler = self._handlers[type(command)]
        except KeyError:
            raise LookupError(f"no handler for {type(command).__name__}") from None
        return handler(command, uow if uow is not None else self.uow())

    def handles(self, kind: type) -> bool:
        return kind in self._handlers
