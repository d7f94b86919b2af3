"""Joining a Ray cluster, for sharded builds and serving (``--ray local|auto|ADDRESS``).

``local`` starts a cluster in this process with this machine's cores; ``auto`` joins the
cluster ``ray start --head`` runs on this machine; anything else is a cluster address
(``ray://host:10001`` or ``host:6379``). A process joins once; later calls reuse the connection.
"""

from __future__ import annotations

import logging
import os

from .errors import InvalidArgumentError

__all__ = ["LOCAL", "cluster_resources", "connect"]

LOCAL = "local"
logger = logging.getLogger(__name__)


def connect(address: str, show_progress: bool = False) -> None:
    """Join (or start, for ``local``) the Ray cluster at ``address``."""
    try:
        import ray
    except ImportError:
        raise InvalidArgumentError("--ray needs Ray: pip install 'ray[data]==2.60.0' (make setup installs it)") from None
    if ray.is_initialized():
        return
    verbose = logging.getLogger("scientia").isEnabledFor(logging.DEBUG)
    if not verbose:
        # Ray's C++ core logs to stderr on its own (an actor pool's restart notice is an "E" line);
        # failures still reach Python as exceptions.
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        # and Ray's Python side warns of what a user did not choose (token authentication on)
        logging.getLogger("ray").setLevel(logging.ERROR)
    quiet = dict(include_dashboard=False, log_to_driver=False, configure_logging=True,
                 logging_level=logging.INFO if verbose else logging.ERROR)
    try:
        if address == LOCAL:
            ray.init(num_cpus=os.cpu_count() or 1, **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise InvalidArgumentError(f"--ray {address}: cannot join the Ray cluster ({error})") from None
    import ray.data

    # Ray Data's bars follow ours: on a terminal and asked for, else none (no carriage returns in logs)
    from .progress import stderr_is_terminal

    ray.data.DataContext.get_current().enable_progress_bars = show_progress and stderr_is_terminal()
    if not verbose:  # Ray Data logs each dataset's plan and timing at INFO, and that its bars are off
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        logging.getLogger("ray").setLevel(logging.ERROR)  # ray.init set its own level again
    logger.info("joined the Ray cluster (%s): %s", address, cluster_resources())


def cluster_resources() -> dict[str, float]:
    """The cluster's CPUs and GPUs (``{"CPU": 2.0}``)."""
    import ray

    resources = ray.cluster_resources()
    return {name: resources[name] for name in ("CPU", "GPU") if name in resources}
