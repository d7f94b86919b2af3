"""What the tests ask the kernel about processes and sockets, read from /proc (Linux)."""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path

__all__ = ["alive", "command_line", "cpu_seconds", "descendants", "interfaces_of", "listening_sockets",
           "network_namespace"]

_LISTEN = "0A"


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its closing one
    return [str(pid), text[text.index("(") + 1:text.rindex(")")], *text[text.rindex(")") + 2:].split()]


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped, does not count)."""
    fields = _stat(pid)
    return fields is not None and fields[2] != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid``, at any depth."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[3]), []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if alive(child):
                found.append(child)
                stack.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the living ``pids`` have spent so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[13]) + int(fields[14])
    return total / ticks


def listening_sockets() -> set[tuple[str, int]]:
    """``(address, port)`` of every TCP socket listening in this process's network."""
    found = set()
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != _LISTEN:
                continue
            address, port = fields[1].split(":")
            raw = bytes.fromhex(address)
            # /proc writes each 32-bit word of the address in host byte order
            words = b"".join(struct.pack("=I", struct.unpack(">I", raw[i:i + 4])[0]) for i in range(0, len(raw), 4))
            found.add((socket.inet_ntop(family, words), int(port, 16)))
    return found


def interfaces_of(pid: int) -> set[str]:
    """The network interfaces ``pid`` sees (those of its network namespace)."""
    lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
    return {line.split(":", 1)[0].strip() for line in lines}


def network_namespace(pid: int | str = "self") -> str:
    return os.readlink(f"/proc/{pid}/ns/net")
