"""Run a piece of work where the servers it starts can be reached from nowhere else, and die with it.

A local Ray cluster is the reason. Ray's servers (GCS, raylet, object manager, every worker and
agent) listen on every interface whatever address they are given: their gRPC servers bind
``0.0.0.0``. And when the process that started the cluster is killed, some of them outlive it
(the dashboard and runtime-env agents are reparented to init). :func:`run_isolated` runs the
work in a child inside new Linux network, PID and mount namespaces:

::

    this process                 what the user started and signals; stays where it was
      └─ namespace maker         unshares the namespaces
           └─ init (PID 1)       of the new PID namespace: reaps orphans, passes signals on
                └─ the work      starts Ray, builds or serves
                     └─ Ray's processes

- **Network.** The new namespace has only a loopback interface, so whatever listens inside is
  reachable from inside only. A socket opened before (the port ``scientia serve`` answers on)
  stays in the machine's network and keeps working in the child.
- **Lifetime.** Each level dies with its parent (``PR_SET_PDEATHSIG``), and when the init of a
  PID namespace dies the kernel kills every process in it. So even a SIGKILL of this process
  leaves nothing behind.
- **Privileges.** Root needs nothing more. Another user gets a user namespace that maps only its
  own ids (as ``unshare --user --map-current-user`` does), where the kernel allows that.
- **Signals.** SIGINT, SIGTERM and SIGHUP sent to this process go to the work (Ctrl-C reaches
  this process only: the work runs in a process group of its own); work still running
  :data:`STOP_GRACE_SECONDS` later is killed. This process then ends as the work did: with its
  exit code, or killed by the same signal.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable

from .errors import IsolationUnavailableError

__all__ = ["STOP_GRACE_SECONDS", "run_isolated", "isolation_available"]

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000
_PR_SET_PDEATHSIG = 1
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Work still running this long after a forwarded signal is killed, with everything it started.
STOP_GRACE_SECONDS = 10.0
# Exit codes of the helper processes when they fail before the work runs.
_HELPER_FAILED = 70


def isolation_available() -> str | None:
    """None where :func:`run_isolated` can work here; otherwise why not."""
    if not sys.platform.startswith("linux"):
        return f"it needs Linux namespaces, and this is {sys.platform}"
    return None


def run_isolated(work: Callable[[], int]) -> int:
    """Run ``work`` (which returns an exit code) in a child in its own network, PID and mount
    namespaces (see the module's text); return its exit code. Where the work was killed by a
    signal, this process is killed by the same signal.

    Raises :class:`~scientia.common.errors.IsolationUnavailableError` where the kernel refuses
    the namespaces, before any work is done.
    """
    reason = isolation_available()
    if reason:
        raise IsolationUnavailableError(reason)
    sys.stdout.flush()
    sys.stderr.flush()
    reader, writer = os.pipe()
    maker = os.fork()
    if maker == 0:
        os.close(reader)
        _guarded(lambda: _make_namespaces(work, writer, os.getppid()))
    os.close(writer)
    return _supervise(maker, reader)


# -- this process ---------------------------------------------------------------------------

def _supervise(maker: int, reader: int) -> int:
    """Pass signals on to the init, wait for everything, and end as the work ended."""
    channel = os.fdopen(reader, "r")
    first = channel.readline().strip()
    if not first.startswith("init "):
        os.waitpid(maker, 0)
        raise IsolationUnavailableError(first.removeprefix("error ") or "the namespace maker ended without a word")
    init = int(first.split()[1])
    killer: list[threading.Timer] = []

    def forward(signum: int, frame: object) -> None:
        _send(init, signum)
        if not killer:  # work that does not stop is killed, with everything in its namespace
            killer.append(threading.Timer(STOP_GRACE_SECONDS, _send, (init, signal.SIGKILL)))
            killer[0].daemon = True
            killer[0].start()

    previous = {number: signal.signal(number, forward) for number in _FORWARDED}
    try:
        os.waitpid(maker, 0)
        last = channel.readline().strip()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if killer:
            killer[0].cancel()
        channel.close()
    if last.startswith("error "):
        raise IsolationUnavailableError(last.removeprefix("error "))
    if not last.startswith("status "):
        return _HELPER_FAILED  # the init was killed (by the grace timer, or from outside)
    status = int(last.split()[1])
    if os.WIFSIGNALED(status):
        number = signal.Signals(os.WTERMSIG(status))
        sys.stdout.flush()
        sys.stderr.flush()
        if number not in (signal.SIGKILL, signal.SIGSTOP):  # those two take no handler anyway
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        return 128 + number
    return os.waitstatus_to_exitcode(status)


def _send(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


# -- the namespace maker ----------------------------------------------------------------------

def _make_namespaces(work: Callable[[], int], channel: int, parent: int) -> None:
    _die_with(parent)
    os.setpgid(0, 0)  # Ctrl-C at a terminal reaches the supervising process only; it passes it on
    libc = ctypes.CDLL(None, use_errno=True)
    user_namespace = os.geteuid() != 0
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | (CLONE_NEWUSER if user_namespace else 0)
    if libc.unshare(flags) != 0:
        code = ctypes.get_errno()
        hint = (" (unprivileged user namespaces are off: kernel.unprivileged_userns_clone or an AppArmor rule)"
                if user_namespace and code in (errno.EPERM, errno.EACCES, errno.ENOSPC) else "")
        os.write(channel, f"error the kernel refused new namespaces: {os.strerror(code)}{hint}\n".encode())
        os._exit(_HELPER_FAILED)
    if user_namespace:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    init = os.fork()
    if init == 0:
        _guarded(lambda: _run_init(work, channel, libc))
    os.write(channel, f"init {init}\n".encode())
    for number in _FORWARDED:  # the supervisor signals the init directly
        signal.signal(number, signal.SIG_IGN)
    os.waitpid(init, 0)
    os._exit(0)


# -- the init of the new PID namespace --------------------------------------------------------

def _run_init(work: Callable[[], int], channel: int, libc: ctypes.CDLL) -> None:
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        # /proc must show this namespace's processes: Ray looks its workers up by their pid there
        _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "make the mounts private")
        _check(libc.mount(b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None), "mount /proc")
        _bring_loopback_up()
    except OSError as error:
        os.write(channel, f"error {error.strerror}\n".encode())
        os._exit(_HELPER_FAILED)
    worker = os.fork()
    if worker == 0:
        _run_work(work, channel)

    def forward(signum: int, frame: object) -> None:
        _send(worker, signum)

    for number in _FORWARDED:
        signal.signal(number, forward)
    while True:  # reap every orphan; stop when the work ends (the kernel then kills the rest)
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            status = 0
            break
        if pid == worker:
            break
    os.write(channel, f"status {status}\n".encode())
    os._exit(0)


def _run_work(work: Callable[[], int], channel: int) -> None:
    os.close(channel)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    code = _HELPER_FAILED
    try:
        code = work()
    except SystemExit as error:
        code = error.code if isinstance(error.code, int) else (0 if error.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
    finally:
        _flush()
    os._exit(code)


def _bring_loopback_up() -> None:
    import fcntl
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(probe, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP))


# -- helpers -------------------------------------------------------------------------------------

def _die_with(parent: int) -> None:
    """SIGKILL this process when its parent dies; end now if it already has."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(_HELPER_FAILED)


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"could not {what}: {os.strerror(ctypes.get_errno())}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as stream:
        stream.write(text)


def _flush() -> None:
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def _guarded(step: Callable[[], None]) -> None:
    """Run a helper process's body; whatever happens, the process ends here (never returns into
    the caller's stack, which it shares a copy of)."""
    try:
        step()
    except BaseException:
        traceback.print_exc()
        _flush()
    os._exit(_HELPER_FAILED)
