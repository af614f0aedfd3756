"""Failed-login throttling, kept per process (each instance counts its own)."""

import time
from collections import deque
from datetime import timedelta

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.errors import RateLimited, Unauthenticated
from muster.core.settings import Settings
from muster.org import service as org_service
from muster.org.schemas import TokenRequest
from muster.org.service import IssuedToken


class LoginLimiter:
    """Refuses a key after ``attempts`` failures inside ``window_s`` seconds."""

    def __init__(self, *, attempts: int, window_s: int) -> None:
        self._attempts = attempts
        self._window_s = window_s
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        cutoff = time.monotonic() - self._window_s
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def check(self, key: str) -> None:
        """Raise ``RateLimited`` if ``key`` has failed too often lately."""
        failures = self._recent(key)
        if len(failures) >= self._attempts:
            retry = int(failures[0] + self._window_s - time.monotonic()) + 1
            raise RateLimited(
                "too many failed logins; try again later", retry_after_s=retry
            )

    def fail(self, key: str) -> None:
        self._recent(key).append(time.monotonic())
        if len(self._failures) > 100_000:
            self._failures = {k: v for k, v in self._failures.items() if v}

    def succeed(self, key: str) -> None:
        self._failures.pop(key, None)


async def throttled_login(
    request: Request, session: AsyncSession, settings: Settings, body: TokenRequest
) -> IssuedToken:
    """Log in through the process's limiter: a wrong password counts against
    the email and address pair, a right one clears it. Raises what
    ``org_service.login`` raises, and ``RateLimited`` after too many misses."""
    limiter: LoginLimiter = request.app.state.login_limiter
    key = f"{body.email}|{request.client.host if request.client else '-'}"
    limiter.check(key)
    try:
        issued = await org_service.login(
            session,
            email=body.email,
            password=body.password,
            department_slug=body.department,
            ttl=timedelta(hours=settings.token_ttl_hours),
        )
    except Unauthenticated:
        limiter.fail(key)
        raise
    limiter.succeed(key)
    return issued
