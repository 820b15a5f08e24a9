"""The asyncio twin of :mod:`narcowatch.net.fetch`, for bounded-concurrency re-checks.

Same guard, same limits, same :class:`Exchange` records; a semaphore held by the caller
bounds how many fetches run at once.
"""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime

import httpcore
import httpx

from narcowatch.net.fetch import (
    USER_AGENT,
    Exchange,
    FetchLimits,
    FetchResult,
    add_chunk,
    check_length,
    check_url,
    make_exchange,
    next_hop,
    proxy_pool,
    socket_facts,
    ssl_context,
    timeout_error,
)
from narcowatch.net.guard import AsyncGuardedBackend, FetchError, Guard


class AsyncSafeFetcher:
    """Non-blocking fetcher sharing one connection pool between many tasks."""

    def __init__(
        self,
        allowed_hosts: list[str] | tuple[str, ...] = (),
        limits: FetchLimits | None = None,
        verify: bool | ssl.SSLContext | str = True,
        user_agent: str = USER_AGENT,
        max_connections: int = 20,
        proxy: str | None = None,
    ) -> None:
        self.guard = Guard(allowed_hosts)
        self.limits = limits or FetchLimits()
        self.backend = AsyncGuardedBackend(self.guard)
        self.proxy = proxy or None
        context = ssl_context(verify)
        transport = httpx.AsyncHTTPTransport(verify=context)
        # httpx builds its httpcore pool itself; we swap in one with the guarded backend.
        transport._pool = (
            proxy_pool(self.proxy, context, sync=False)
            if self.proxy
            else httpcore.AsyncConnectionPool(
                ssl_context=context,
                network_backend=self.backend,
                max_connections=max_connections,
            )
        )
        self.client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(self.limits.timeout_s),
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
            follow_redirects=False,
            trust_env=False,
        )

    async def __aenter__(self) -> AsyncSafeFetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        result = FetchResult()
        deadline = time.monotonic() + self.limits.timeout_s
        current: str | None = url
        while current is not None:
            check_url(current)
            result.exchanges.append(await self._one(current, headers, deadline))
            current = next_hop(result.final, len(result.exchanges), self.limits)
        return result

    async def _one(self, url: str, headers: dict[str, str] | None, deadline: float) -> Exchange:
        started, t0 = datetime.now(UTC), time.monotonic()
        if self.proxy:  # the proxy connects, so the target is vetted here instead
            await self.guard.aresolve(*check_url(url))
        try:
            async with self.client.stream("GET", url, headers=headers) as resp:
                facts = socket_facts(resp)
                check_length(resp.headers.get("content-length", ""), self.limits, url)
                buf = bytearray()
                async for chunk in resp.aiter_raw():
                    add_chunk(buf, chunk, self.limits, url, deadline)
                return make_exchange(resp, bytes(buf), started, t0, facts)
        except httpx.TimeoutException as exc:
            raise timeout_error(url, self.limits, exc) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {url}: {exc}", code="E954", url=url) from exc
