"""Joining a Ray cluster, for sharded builds and serving (``--ray local|auto|ADDRESS``).

``local`` starts a cluster in this process with this machine's cores; ``auto`` joins the
cluster ``ray start --head`` runs on this machine; anything else is a cluster address
(``ray://host:10001`` or ``host:6379``). A process joins once; later calls reuse the connection.

A Ray cluster runs whatever code reaches its ports, so it must never be reachable from an
untrusted network (Ray's own security documentation says so). The CLI starts ``local`` inside a
network namespace of its own (:mod:`.isolation`), where nothing outside can reach it; joining a
cluster is the user's explicit ``--ray ADDRESS``.

An address is checked before Ray is asked to join it (:func:`check_address`): a closed port, a
name that does not resolve or a server that is not Ray fails within seconds with one line naming
the address, where Ray itself would retry for two minutes.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from typing import Any

from .errors import InvalidArgumentError

__all__ = ["LOCAL", "cluster_resources", "connect"]

LOCAL = "local"
AUTO = "auto"
logger = logging.getLogger(__name__)
# The address a local cluster's node advertises: a loopback one (Linux routes all of 127/8 to lo),
# and not 127.0.0.1, which Ray swaps for the address it would reach the internet from, and which
# in an isolated network (the CLI's --ray local) is none: it then falls back to the host name's,
# which may be no address of that network at all.
LOCAL_NODE_ADDRESS = "127.0.0.2" if sys.platform.startswith("linux") else "127.0.0.1"
# How long each step of checking an address (resolve and connect, then Ray's handshake) may take.
PROBE_SECONDS = 5.0


def connect(address: str, show_progress: bool = False) -> None:
    """Join (or start, for ``local``) the Ray cluster at ``address``."""
    verbose = logging.getLogger("scientia").isEnabledFor(logging.DEBUG)
    if not verbose:
        # Ray's C++ core logs to stderr on its own (an actor pool's restart notice is an "E" line,
        # a node without a route outside warns of it); failures still reach Python as exceptions.
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    try:
        import ray
    except ImportError:
        raise InvalidArgumentError("--ray needs Ray: pip install 'ray[data]==2.60.0' (make setup installs it)") from None
    if ray.is_initialized():
        return
    if not verbose:  # and Ray's Python side warns of what a user did not choose (token authentication on)
        logging.getLogger("ray").setLevel(logging.ERROR)
    quiet: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": True,
                             "logging_level": logging.INFO if verbose else logging.ERROR}
    if address not in (LOCAL, AUTO):
        check_address(address)
    try:
        if address == LOCAL:
            # "local": always a new cluster, never one that `ray start` or RAY_ADDRESS names
            ray.init(address=LOCAL, num_cpus=os.cpu_count() or 1, _node_ip_address=LOCAL_NODE_ADDRESS, **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError, SystemExit) as error:  # Ray exits on some failures
        raise InvalidArgumentError(f"--ray {address}: cannot join the Ray cluster ({error or type(error).__name__})") from None
    import ray.data

    # Ray Data's bars follow ours: on a terminal and asked for, else none (no carriage returns in logs)
    from .progress import stderr_is_terminal

    ray.data.DataContext.get_current().enable_progress_bars = show_progress and stderr_is_terminal()
    if not verbose:  # Ray Data logs each dataset's plan and timing at INFO, and that its bars are off
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        logging.getLogger("ray").setLevel(logging.ERROR)  # ray.init set its own level again
    logger.info("joined the Ray cluster (%s): %s", address, cluster_resources())


@functools.cache
def check_address(address: str, timeout: float = PROBE_SECONDS) -> None:
    """Raise, naming ``address``, unless a Ray server answers there: its host resolves, its port
    accepts a connection, and it speaks gRPC (the GCS of ``host:port`` also answers gRPC's health
    check; the Ray Client server of ``ray://host:port`` completes the HTTP/2 handshake).

    An address that answered is not asked again by this process: the CLI checks it before any
    work, and :func:`connect` checks it for library callers. (One that failed raised, and
    nothing of it is kept.)"""
    import socket

    client = address.startswith("ray://")
    host, separator, port_text = address.removeprefix("ray://").rstrip("/").rpartition(":")
    host = host.strip("[]")
    if not separator or not host or not port_text.isdigit():
        raise InvalidArgumentError(f"--ray {address}: not an address; give local, auto, host:port (a cluster's GCS, "
                                   "port 6379 by default) or ray://host:port (Ray Client, 10001)")
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout):
            pass
    except socket.gaierror as error:
        raise InvalidArgumentError(f"--ray {address}: no such host ({error.strerror})") from None
    except OSError as error:
        reason = "no answer" if isinstance(error, TimeoutError) else (error.strerror or type(error).__name__)
        raise InvalidArgumentError(f"--ray {address}: no Ray cluster there ({reason})") from None
    import grpc

    channel = grpc.insecure_channel(f"{host}:{port_text}")
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
        if not client:
            check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=bytes,
                                        response_deserializer=bytes)
            check(b"", timeout=timeout)
    except (grpc.FutureTimeoutError, grpc.RpcError):
        raise InvalidArgumentError(f"--ray {address}: something answers there, but not a Ray cluster "
                                   f"({'Ray Client' if client else 'a GCS'} was expected)") from None
    finally:
        channel.close()


def cluster_resources() -> dict[str, float]:
    """The cluster's CPUs and GPUs (``{"CPU": 2.0}``)."""
    import ray

    resources = ray.cluster_resources()
    return {name: resources[name] for name in ("CPU", "GPU") if name in resources}
