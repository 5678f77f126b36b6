"""Loopback port helpers.

Everything the dev stack starts binds to 127.0.0.1 only, so a test run never exposes a trust-auth
database or an unauthenticated broker to the network, and two runs on one machine never collide on
fixed ports.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a port that is free right now on ``host``.

    The kernel picks an unused ephemeral port for a bind to port 0. The socket is closed before the
    server binds the port itself, so another process could in theory grab it in between; on a test
    machine that window is small enough to accept rather than pass sockets to the servers.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Return ``count`` distinct free ports (kept bound until all are chosen, so none repeats)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(sock)
            sock.bind((host, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for sock in socks:
            sock.close()


def port_is_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
