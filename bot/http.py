"""PTB's HTTP layer on aiohttp instead of httpx.

Why: profiling the bot under load (bench throughput) showed about 60% of the main thread in
httpx/httpcore (connection-pool scans, anyio wrappers) and under 5% in the bot's own logic.
`BaseRequest` is PTB's documented extension point for another HTTP client; aiohttp is already a
dependency (the outbox and the local Bot API server use it).

Errors never carry the request URL: Bot API URLs contain the token (nor aiohttp's exception
as a cause: its message may hold the URL).

`NotSent` marks the errors after which the request surely did not reach Telegram (no
connection, or an answer from a front that refused before processing): only those may be
retried by a call that is not safe to repeat, such as sendMessage. Any other error is "in
doubt": the message may have arrived.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

# Answers from a front (or the Bot API) that refused before processing: 500, 502, 503.
NOT_PROCESSED = frozenset({500, 502, 503})


NO_UPDATES = b'{"ok": true, "result": []}'


class NotSent(NetworkError):
    """The request surely did not reach Telegram: safe to send again."""


def _seconds(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 16,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
        on_refused: Callable[[int], None] | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        # For getUpdates: when the Bot API refuses the token (401, 404) while running, tell
        # `on_refused` (which stops the bot with one line), hold that call until the stop
        # cancels it, and answer later calls with no updates: PTB's polling loop would
        # otherwise log tracebacks and die, leaving the process up and answering nobody.
        self._on_refused = on_refused
        self._refused = False
        self._session: aiohttp.ClientSession | None = None

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """PTB's parser, without its log line: PTB logs the whole body (a proxy's HTML page)
        with a traceback. The caller turns the error into one clear line."""
        try:
            result = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response (not JSON)") from None
        if not isinstance(result, dict):
            raise TelegramError("Invalid server response (not a JSON object)")
        parameters = result.get("parameters")
        if isinstance(parameters, dict) and "retry_after" in parameters:
            # PTB builds a timedelta from it and raises TypeError on anything but a number.
            value = parameters["retry_after"]
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not 0 < value < 86_400:
                parameters["retry_after"] = 1
        return result

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        if self._refused:
            return 200, NO_UPDATES
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(pool_timeout, self._pool_timeout),
            sock_connect=_seconds(connect_timeout, self._connect_timeout),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        body, headers = _body(request_data)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                status, payload = response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # No connection was made (refused, DNS, TLS, no free connection in time).
            raise NotSent(f"aiohttp.{type(exc).__name__}") from None
        except TimeoutError:
            raise TimedOut from None
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as exc:
            # The class name only: aiohttp messages can include the URL, and so the token.
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from None
        if status in NOT_PROCESSED:
            raise NotSent(f"HTTP {status} before processing")
        if status in (401, 404) and self._on_refused is not None:
            self._refused = True
            self._on_refused(status)
            await asyncio.Event().wait()  # until the stop cancels this call
        return status, payload


def _body(
    request_data: RequestData | None,
) -> tuple[aiohttp.FormData | bytes | None, dict[str, str]]:
    """The request body PTB built: JSON, or a multipart form when files are sent."""
    if request_data is None:
        return None, {}
    if not request_data.contains_files:
        return request_data.json_payload, {"Content-Type": "application/json"}
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content = part[0], part[1]
        content_type = part[2] if len(part) > 2 else "application/octet-stream"
        form.add_field(name, content, filename=filename, content_type=content_type)
    return form, {}
