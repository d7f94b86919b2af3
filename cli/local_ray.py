"""``--ray local``: the command's work runs where the Ray cluster it starts can be reached from
nowhere else, and dies with the command (:mod:`scientia.common.isolation`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from scientia.common.ray_cluster import AUTO, LOCAL, check_address

from .errors import run_reported

__all__ = ["RayArg", "run_with_ray"]

RayArg = Annotated[str | None, typer.Option(
    "--ray", metavar="local|auto|ADDRESS",
    help="Use a Ray cluster: local starts one for this command, in a network of its own that nothing outside "
    "can reach (Linux); auto joins the one `ray start --head` runs here; ADDRESS (host:6379 or ray://host:10001) "
    "joins that cluster, which must never be reachable from an untrusted network.")]


def run_with_ray(ray: str | None, step: Callable[[], None]) -> None:
    """Run ``step`` here, or for ``--ray local`` in an isolated child that ends as the command ends.
    A cluster address is checked first, so that a wrong one fails at once, before any work."""
    if ray != LOCAL:
        if ray is not None and ray != AUTO:
            check_address(ray)
        step()
        return
    from scientia.common.errors import IsolationUnavailableError
    from scientia.common.isolation import run_isolated

    try:
        code = run_isolated(lambda: run_reported(step))
    except IsolationUnavailableError as error:
        raise IsolationUnavailableError(
            f"--ray local: cannot give the local Ray cluster a network of its own ({error}); Ray's servers would "
            "listen on every interface, so scientia does not start one here: start a cluster yourself on a network "
            "no stranger reaches and join it with --ray ADDRESS") from None
    if code:
        raise typer.Exit(code)
