"""Sign-in throttling (flask-limiter): failed sign-ins are counted per account and
address pair, per address and per account, in moving windows; past a limit the form
answers HTTP 429 (with Retry-After) until the window has moved on, and each refusal is
audited (`login_throttled`).

- one account from one address: 3 failures a minute, then a back-off until the oldest
  has aged a minute; 10 in 15 minutes, then that pair is locked for what remains of the
  15 minutes. The lock is of the pair: someone guessing a colleague's password does not
  lock the colleague out at their own desk.
- one address, any accounts: 30 failures in 15 minutes (trying one password on many
  accounts), then the address is locked for the rest of the window.
- one account, any addresses: 20 failures a minute (many machines guessing one
  password), then a back-off of at most a minute. Short on purpose: an attacker can
  hold an account back only while sending guesses from several addresses at once,
  each of which locks itself, and never for longer than a minute after stopping.

Only failures count (a successful sign-in, a refused form token or a throttled try do
not). They are kept in PostGIS (geo.auth.failures, through a `limits` storage), so
every worker process of `civicgrid serve` counts the same failures and a restart
forgets none.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from geo import audit
from geo.auth import failures

PAIR_LIMITS = "3 per minute; 10 per 15 minutes"
ADDRESS_LIMIT = "30 per 15 minutes"
ACCOUNT_LIMIT = "20 per minute"
#: longest user name that is counted as itself (longer ones share the cut name's count)
NAME_CHARS = 150


def _address() -> str:
    return request.remote_addr or "?"


def _account() -> str:
    return request.form.get("username", "")[:NAME_CHARS]


def _pair() -> str:
    return f"{_account()}|{_address()}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


class FailureStore(Storage, MovingWindowSupport):
    """The limiter's moving windows in PostGIS (`civicgrid://`; option `engine`: a
    callable giving the database). Only the moving-window strategy is used."""

    STORAGE_SCHEME = ["civicgrid"]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        engine: Callable[[], Engine] | None = None,
        **options,
    ) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return failures.add(self.engine(), key, limit, expiry, time.time(), amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        return failures.window(self.engine(), key, expiry, time.time())

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("fixed windows: the throttle uses moving windows only")

    def get(self, key: str) -> int:
        raise NotImplementedError("fixed windows: the throttle uses moving windows only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("fixed windows: the throttle uses moving windows only")

    def check(self) -> bool:
        try:
            failures.window(self.engine(), "", 1, time.time())
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> None:
        failures.forget(self.engine())

    def clear(self, key: str) -> None:
        failures.forget(self.engine(), key)


def throttle(
    server: Flask, engine: Callable[[], Engine], refused: Callable[[int], Response]
) -> Callable[[Callable], Callable]:
    """A decorator for the sign-in view of `server`: POSTs are counted and refused as
    above; `refused(seconds)` makes the 429 page (seconds: until the next try may pass).
    `engine()` gives the database that keeps the counts and audits each refusal."""
    limiter = Limiter(
        _address,
        app=server,
        storage_uri="civicgrid://",
        storage_options={"engine": engine},
        strategy="moving-window",
        headers_enabled=False,
    )  # Retry-After is set on the 429 page itself

    def breached(what: str) -> Callable[[RequestLimit], Response]:
        def on_breach(limit: RequestLimit) -> Response:
            audit.record(
                engine(),
                "login_throttled",
                {
                    "username": _account(),
                    "address": _address(),
                    "by": what,
                    "limit": str(limit.limit),
                },
                username=_account(),
            )
            return refused(max(1, int(limit.reset_at - time.time())))

        return on_breach

    def limit(value: str, key: Callable[[], str], what: str):
        return limiter.limit(
            value,
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
            on_breach=breached(what),
            scope=f"login-{what}",
        )

    def wrap(view: Callable) -> Callable:
        for value, key, what in (
            (PAIR_LIMITS, _pair, "pair"),
            (ADDRESS_LIMIT, _address, "address"),
            (ACCOUNT_LIMIT, _account, "account"),
        ):
            view = limit(value, key, what)(view)
        return view

    return wrap
