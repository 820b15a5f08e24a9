"""SSRF guard: which addresses the fetcher and the browser may connect to.

Evidence capture and re-checks fetch URLs that come from untrusted text (posts, citizen
reports). Without a guard, a link to ``http://169.254.169.254/`` or ``http://10.0.0.5/``
would make the server fetch its own cloud metadata or intranet. The guard resolves the
host once, refuses private, loopback, link-local, multicast, reserved and unspecified
addresses, and hands the vetted IP to the connection, so a DNS answer that changes between
the check and the connect (DNS rebinding) cannot slip through. Hosts listed in
``Settings.allowed_hosts`` (tests, a lab intranet) skip the address check.

No library offers this for httpx's connection layer, so the policy is written here; the
connection itself is httpcore's own backend, given an IP instead of a name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from narcowatch.errors import CaseError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(CaseError):
    """A fetch could not be made or was stopped by a limit (E95x)."""

    code = "E954"


class AddressRefused(FetchError):
    """The target resolves to an address the guard does not allow (SSRF)."""

    code = "E950"


def is_public(ip: IPAddress) -> bool:
    """True for addresses on the public internet only."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _norm_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


class Guard:
    """The address policy plus a resolver that returns only vetted addresses."""

    def __init__(self, allowed_hosts: Iterable[str] = ()) -> None:
        self.allowed_hosts = {_norm_host(h) for h in allowed_hosts}

    def is_allowed_host(self, host: str) -> bool:
        return _norm_host(host) in self.allowed_hosts

    def vet(self, host: str, addresses: Iterable[str]) -> list[str]:
        """Return ``addresses`` if every one may be reached from ``host``, else refuse."""
        found = list(dict.fromkeys(addresses))
        if not found:
            raise AddressRefused(f"{host} has no address", code="E955", host=host)
        if self.is_allowed_host(host):
            return found
        for addr in found:
            ip = ipaddress.ip_address(addr.split("%", 1)[0])
            if not is_public(ip):
                raise AddressRefused(
                    f"refused to connect to {host}: {addr} is not a public address",
                    host=host,
                    address=addr,
                )
        return found

    def check_literal(self, host: str) -> None:
        """Refuse an IP-literal host at once, before any DNS or connection."""
        try:
            ip = ipaddress.ip_address(_norm_host(host))
        except ValueError:
            return
        self.vet(host, [str(ip)])

    def resolve(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` (blocking) and vet every address."""
        self.check_literal(host)
        try:
            infos = socket.getaddrinfo(_norm_host(host), port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", code="E955", host=host) from exc
        return self.vet(host, [str(info[4][0]) for info in infos])

    async def aresolve(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` without blocking the event loop, and vet every address."""
        self.check_literal(host)
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(_norm_host(host), port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", code="E955", host=host) from exc
        return self.vet(host, [str(info[4][0]) for info in infos])


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the guard vetted.

    TLS still uses the original host name for SNI and certificate checks, because httpcore
    calls ``start_tls(server_hostname=host)`` on the stream this returns.
    """

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.resolved: dict[str, list[str]] = {}

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.guard.resolve(host, port)
        self.resolved[_norm_host(host)] = addresses
        last: Exception | None = None
        for addr in addresses:
            try:
                return super().connect_tcp(addr, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last


class AsyncGuardedBackend(httpcore.AnyIOBackend):
    """The asyncio counterpart of :class:`GuardedBackend`."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.resolved: dict[str, list[str]] = {}

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.aresolve(host, port)
        self.resolved[_norm_host(host)] = addresses
        last: Exception | None = None
        for addr in addresses:
            try:
                return await super().connect_tcp(addr, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last
