"""A local fake of the Telegram Bot API, good enough to run the real PTB Application.

It speaks HTTP on 127.0.0.1 with Telegram's JSON shapes and error texts, keeps a
per-chat message store that applies edits, and can be told to misbehave
(``api.faults``). Simulated users (``api.user()``) produce the updates.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web

from bot.concurrency import PerChatUpdateProcessor
from bot.telegram_html import HtmlParseError, parse_html, utf16_len

from .faults import Fault, FaultInjector
from .store import (
    Button,
    CallbackAnswer,
    ChatState,
    HandledUpdates,
    PendingQuery,
    Signal,
    StoredMessage,
    UserInfo,
)
from .user import SimUser

if TYPE_CHECKING:
    from telegram.ext import Application

AppT = TypeVar("AppT", bound="Application[Any, Any, Any, Any, Any, Any]")

__all__ = ["DEFAULT_TOKEN", "ApiError", "FakeBotApi", "Stats"]

DEFAULT_TOKEN = "123456:TEST-TOKEN-sandbox"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_MAX_UPLOAD = {"photo": 10 * 1024 * 1024, "document": 50 * 1024 * 1024}
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100  # Telegram refuses a keyboard with more

Params = dict[str, Any]
_Method = Callable[[Params], Awaitable[Any]]

_WHITESPACE = " \t\r\n\v\f"
# Inline buttons other than callback/url are accepted and echoed back, not simulated.
_OTHER_BUTTON_ACTIONS = (
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_BLOCKED = "Forbidden: bot was blocked by the user"
# What Telegram's nginx front answers on a 502: HTML, not JSON.
_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the bot sent in a multipart request."""

    filename: str
    content_type: str
    data: bytes


class ApiError(Exception):
    """An error answer: HTTP status == Telegram's error_code, plus its description."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(slots=True)
class Stats:
    calls: Counter[str] = field(default_factory=Counter)  # method name as the bot spelled it
    faults: Counter[str] = field(default_factory=Counter)  # fault kind -> times injected
    errors: Counter[int] = field(default_factory=Counter)  # HTTP status of error answers


@dataclass(slots=True)
class _Update:
    update_id: int
    type: str
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.type: self.payload}


class FakeBotApi:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "cramp_help_bot",
        bot_first_name: str = "Sandbox Bot",
        callback_answer_timeout: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        strict_html: bool = True,
        max_messages_per_chat: int = 10_000,
        max_recorded_calls: int = 10_000,
    ) -> None:
        self.token = token
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.callback_answer_timeout = callback_answer_timeout
        self.clock = clock
        self.strict_html = strict_html
        self.max_messages_per_chat = max_messages_per_chat
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1

        self.faults = FaultInjector()
        self.stats = Stats(faults=self.faults.injected)
        self.calls: deque[tuple[str, Params, float]] = deque(maxlen=max_recorded_calls)
        self.call_signal = Signal()  # fired as each Bot API call arrives, before its answer

        self._chats: dict[int, ChatState] = {}
        self._pending: deque[_Update] = deque()
        self._next_update_id = 1
        self._updates_signal = Signal()
        self._poll_generation = 0
        self._allowed_updates: frozenset[str] | None = None
        self.delivered_upto = 0
        self.delivered_signal = Signal()
        # "Update N handled", told by the update processor of a bot running in this process
        # (see follow()); simulated users then wait for that instead of for a quiet moment.
        self.following = False
        self.handled = HandledUpdates()

        self._queries: dict[str, PendingQuery] = {}
        self._next_query = 1
        self._webhook_url = ""
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._next_file = 1

        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._methods: dict[str, _Method] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "sendmessage": self._send_message,
            "sendphoto": self._media_sender("photo"),
            "senddocument": self._media_sender("document"),
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,  # the diary's switches
            "answercallbackquery": self._answer_callback_query,
        }

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # handler_cancellation: a long poll whose client went away must stop waiting
        # (and must not swallow updates) instead of lingering until its timeout.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    def revoke(self) -> None:
        """The token stops working (as after /revoke at @BotFather): every call, and a long
        poll already waiting, is answered 401 at once."""
        self.token = "revoked"
        self._updates_signal.fire()

    async def stop(self) -> None:
        if self._runner is None:
            return
        assert self._closing is not None
        self._closing.set()
        self._updates_signal.fire()  # release long polls now rather than at their timeout
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # -- the bot's side: which updates it has handled ---------------------------------

    def follow(self, app: AppT) -> AppT:
        """Listen to ``app``'s update processor for "update N handled"; returns ``app``.

        Every Application built against this server in the same process should be followed,
        so that simulated users know when the bot is done with what they sent."""
        processor = app.update_processor
        if not isinstance(processor, PerChatUpdateProcessor):
            raise TypeError("only the bot's PerChatUpdateProcessor reports handled updates")
        processor.handled_listeners.append(self.handled.mark)
        self.following = True
        return app

    def is_handled(self, update_id: int) -> bool:
        return self.handled.has(update_id)

    async def wait_handled(self, update_ids: Iterable[int], within: float) -> bool:
        """Wait until the followed bot has handled every one of ``update_ids``; False if
        ``within`` seconds passed first."""
        if not self.following:
            raise RuntimeError("no bot is followed (FakeBotApi.follow) to report handled updates")
        return await self.handled.wait(update_ids, within)

    async def wait_calls(self, method: str, count: int, within: float) -> bool:
        """Wait until ``method`` has been called ``count`` times in all (answered or not)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.stats.calls[method] < count:
            if not await self.call_signal.wait(deadline - loop.time()):
                return False
        return True

    # -- users and their side of the chat -------------------------------------------

    def user(
        self,
        user_id: int = 1001,
        first_name: str = "Alex",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> SimUser:
        """A simulated user; its private chat only exists for the bot once it writes."""
        chat = self._chats.get(user_id)
        if chat is None:
            info = UserInfo(user_id, first_name, language_code, username)
            chat = ChatState(user=info, max_messages=self.max_messages_per_chat)
            self._chats[user_id] = chat
        return SimUser(self, chat)

    def chat_state(self, chat_id: int) -> ChatState | None:
        return self._chats.get(chat_id)

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def push_update(self, update_type: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        update = _Update(self._next_update_id, update_type, payload)
        self._next_update_id += 1
        self._pending.append(update)
        self._updates_signal.fire()
        return update.update_id

    def user_message(
        self,
        chat: ChatState,
        *,
        text: str = "",
        entities: list[dict[str, Any]] | None = None,
        kind: str = "text",
        extra: dict[str, Any] | None = None,
    ) -> tuple[StoredMessage, int]:
        chat.started = True
        message = StoredMessage(
            message_id=chat.new_id(),
            from_bot=False,
            date=int(time.time()),
            text=text,
            entities=entities,
            kind=kind,
            extra=extra or {},
        )
        chat.add(message)
        update_id = self.push_update("message", self.message_json(chat, message))
        return message, update_id

    def user_edit(
        self,
        chat: ChatState,
        message_id: int,
        text: str,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        message = chat.messages.get(message_id)
        if message is None or message.from_bot or message.kind != "text":
            raise ValueError(f"{chat.user.first_name} has no text message {message_id} to edit")
        message.text = text
        message.entities = entities
        message.edit_date = int(time.time())
        return self.push_update("edited_message", self.message_json(chat, message))

    def user_callback(self, chat: ChatState, message: StoredMessage, data: str) -> int:
        chat.started = True
        query_id = f"{chat.chat_id}{self._next_query:08d}"
        self._next_query += 1
        self._queries[query_id] = PendingQuery(query_id, chat.chat_id, self.clock())
        payload = {
            "id": query_id,
            "from": chat.user.user_json(),
            "chat_instance": str((chat.chat_id * 7_919_117) % 10**18),
            "message": self.message_json(chat, message),
            "data": data,
        }
        return self.push_update("callback_query", payload)

    def user_block(self, chat: ChatState, blocked: bool) -> int:
        """Block or unblock the bot; Telegram tells the bot via my_chat_member."""
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        chat.blocked = blocked

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        payload = {
            "chat": chat.user.chat_json(),
            "from": chat.user.user_json(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self.push_update("my_chat_member", payload)

    def message_json(self, chat: ChatState, message: StoredMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user if message.from_bot else chat.user.user_json(),
            "chat": chat.user.chat_json(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.kind == "text":
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        data.update(message.extra)
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def new_file_ids(self) -> tuple[str, str]:
        """A fresh (file_id, file_unique_id) pair shaped like Telegram's."""
        number = self._next_file
        self._next_file += 1
        return f"AgACAgIAAxkBAAIsandbox{number:06d}", f"AQADsandbox{number:06d}"

    # -- HTTP -----------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        token, _, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or not method or "/" in method:
            return _error_response(ApiError(404, "Not Found"))
        if token != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        params = await _read_params(request)
        key = method.lower()
        self.stats.calls[method] += 1
        self.calls.append((method, params, time.monotonic()))
        self.call_signal.fire()

        fault = self.faults.pick(key, _loose_int(params.get("chat_id")))
        if fault is not None and fault.kind != "late":
            response = await self._apply_fault(fault, request)
            if response is not None:
                self.stats.errors[response.status] += 1
                return response

        handler = self._methods.get(key)
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as exc:
            self.stats.errors[exc.status] += 1
            chat = self._chats.get(_loose_int(params.get("chat_id")) or 0)
            if chat is not None:
                chat.failures.append(f"{method} -> {exc.status} {exc.description}")
                chat.failure_total += 1
            return _error_response(exc)
        if fault is not None and fault.kind == "late":  # done, but the answer is held back
            await self._sleep(fault.delay)
        return web.Response(
            body=json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    async def _apply_fault(self, fault: Fault, request: web.Request) -> web.Response | None:
        """Returns the error answer, or None to carry on normally (after a delay)."""
        if fault.kind == "slow":
            await self._sleep(fault.delay)
            return None
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            # aiohttp cancels this handler once it sees the connection is gone.
            await self._sleep(60.0)
            return web.Response(status=500)
        return _FAULT_ANSWERS.get(fault.kind, _bad_gateway)(fault)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        assert self._closing is not None
        if seconds <= 0:
            return
        try:
            async with asyncio.timeout(seconds):
                await self._closing.wait()
        except TimeoutError:
            pass

    # -- validation helpers ---------------------------------------------------------

    def _chat_for_bot(self, params: Params, *, writing: bool = True) -> ChatState:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(_loose_int(raw) or 0)
        if chat is None or not chat.started:
            raise ApiError(400, "Bad Request: chat not found")
        if writing and chat.blocked:
            raise ApiError(403, _BLOCKED)
        return chat

    def _text(self, params: Params) -> tuple[str, list[dict[str, Any]] | None]:
        raw = params.get("text")
        if not isinstance(raw, str) or not raw:
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode") or ""
        entities: list[dict[str, Any]] = []
        if parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    text, parsed = parse_html(raw, strict=self.strict_html)
                except HtmlParseError as exc:
                    raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
                entities = [entity.to_json() for entity in parsed]
            elif mode in {"markdown", "markdownv2"}:
                text = raw  # Markdown is accepted but not parsed by the sandbox.
            else:
                raise ApiError(400, "Bad Request: unsupported parse_mode")
        else:
            text = raw
            explicit = _json_param(params, "entities", "Bad Request: can't parse entities JSON")
            if isinstance(explicit, list):
                entities = [e for e in explicit if isinstance(e, dict)]
        text, entities = _trim(text, entities)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities or None

    def _markup(self, params: Params) -> tuple[dict[str, Any] | None, list[list[Button]]]:
        markup = _json_param(
            params, "reply_markup", "Bad Request: can't parse reply keyboard markup JSON object"
        )
        if markup is None:
            return None, []
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return markup, []  # reply keyboards etc.: accepted, not shown as buttons
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
                "must be an Array of Arrays",
            )
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise ApiError(400, "Bad Request: reply markup is too long")
        echoed: list[list[dict[str, Any]]] = []
        buttons: list[list[Button]] = []
        for row in rows:
            if not row:
                continue
            echoed_row: list[dict[str, Any]] = []
            button_row: list[Button] = []
            for raw in row:
                echoed_button, button = _button(raw)
                echoed_row.append(echoed_button)
                button_row.append(button)
            echoed.append(echoed_row)
            buttons.append(button_row)
        return {"inline_keyboard": echoed}, buttons

    def _message_for_edit(self, chat: ChatState, params: Params) -> StoredMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        message_id = _loose_int(params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not message.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    # -- methods --------------------------------------------------------------------

    async def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _loose_int(params.get("offset")) or 0
        limit = min(max(_loose_int(params.get("limit")) or 100, 1), 100)
        timeout = max(_loose_float(params.get("timeout")) or 0.0, 0.0)
        allowed = _json_param(params, "allowed_updates", "Bad Request: can't parse allowed_updates")
        if isinstance(allowed, list):
            # Telegram keeps the last non-null setting; an empty list means "the default".
            self._allowed_updates = frozenset(str(a) for a in allowed) or None

        # A newer poll ends an older one, as on Telegram (which answers it with 409).
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()
        self._confirm(offset)

        assert self._closing is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        token = self.token
        while True:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._take(limit)
            if batch or self._closing.is_set():
                break
            if not await self._updates_signal.wait(deadline - loop.time()):
                break
        if batch:
            self.delivered_upto = max(self.delivered_upto, batch[-1].update_id)
            self.delivered_signal.fire()
        return [update.to_json() for update in batch]

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            while self._pending and self._pending[0].update_id < offset:
                self._pending.popleft()
        elif offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()

    def _take(self, limit: int) -> list[_Update]:
        allowed = self._allowed_updates
        if allowed is not None and any(u.type not in allowed for u in self._pending):
            # Telegram does not keep updates of types the bot opted out of.
            self._pending = deque(u for u in self._pending if u.type in allowed)
        if len(self._pending) <= limit:
            return list(self._pending)
        return [self._pending[i] for i in range(limit)]

    async def _delete_webhook(self, params: Params) -> bool:
        self._webhook_url = ""
        if _loose_bool(params.get("drop_pending_updates")):
            self._pending.clear()
        return True

    async def _set_webhook(self, params: Params) -> bool:
        url = str(params.get("url") or "")
        if url and urlsplit(url).scheme != "https":
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self._webhook_url = url
        if _loose_bool(params.get("drop_pending_updates")):
            self._pending.clear()
        return True

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = _json_param(params, "scope", "Bad Request: can't parse BotCommandScope JSON object")
        scope_key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return scope_key, str(params.get("language_code") or "")

    async def _set_my_commands(self, params: Params) -> bool:
        commands = _json_param(params, "commands", "Bad Request: can't parse commands JSON object")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be an Array")
        clean: list[dict[str, str]] = []
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if (
                not isinstance(name, str)
                or not 1 <= len(name) <= 32
                or not all(c.islower() or c.isdigit() or c == "_" for c in name)
                or not name.isascii()
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        self._commands[self._commands_key(params)] = clean
        return True

    async def _get_my_commands(self, params: Params) -> list[dict[str, str]]:
        return list(self._commands.get(self._commands_key(params), []))

    async def _send_message(self, params: Params) -> dict[str, Any]:
        chat = self._chat_for_bot(params)
        text, entities = self._text(params)
        markup, buttons = self._markup(params)
        message = StoredMessage(
            message_id=chat.new_id(),
            from_bot=True,
            date=int(time.time()),
            text=text,
            entities=entities,
            reply_markup=markup,
            buttons=buttons,
        )
        chat.add(message)
        chat.record_action(message.message_id)
        return self.message_json(chat, message)

    def _media_sender(self, kind: str) -> _Method:
        """sendPhoto / sendDocument with an uploaded file (multipart) and an optional HTML
        caption, checked like Telegram: a caption of at most 1024 characters, a photo that is
        an image, files within the size limits."""

        async def send_media(params: Params) -> dict[str, Any]:
            chat = self._chat_for_bot(params)
            upload = params.get(kind)
            if not isinstance(upload, Upload):  # the bot only ever uploads from memory
                raise ApiError(400, f"Bad Request: there is no {kind} in the request")
            if kind == "photo" and not upload.data.startswith((_PNG, _JPEG)):
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            if len(upload.data) > _MAX_UPLOAD[kind]:
                raise ApiError(400, "Bad Request: file is too big")
            if not upload.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            caption, entities = self._caption(params)
            markup, buttons = self._markup(params)
            file_id, unique_id = self.new_file_ids()
            info: dict[str, Any] = {
                "file_id": file_id, "file_unique_id": unique_id, "file_size": len(upload.data),
            }  # fmt: skip
            extra: dict[str, Any] = {}
            if kind == "photo":
                extra["photo"] = [{**info, "width": 800, "height": 400}]
            else:
                extra["document"] = {**info, "file_name": upload.filename or "file"}
            if caption:
                extra["caption"] = caption
                if entities:
                    extra["caption_entities"] = entities
            message = StoredMessage(
                message_id=chat.new_id(), from_bot=True, date=int(time.time()), text=caption,
                entities=entities, reply_markup=markup, buttons=buttons, kind=kind,
                extra=extra, file=upload.data, file_name=upload.filename or None,
            )  # fmt: skip
            chat.add(message)
            chat.record_action(message.message_id)
            return self.message_json(chat, message)

        return send_media

    def _caption(self, params: Params) -> tuple[str, list[dict[str, Any]] | None]:
        raw = params.get("caption")
        if not isinstance(raw, str) or not raw:
            return "", None
        text, entities = self._text({**params, "text": raw})
        if len(text) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        return text, entities

    async def _edit_message_text(self, params: Params) -> dict[str, Any]:
        chat = self._chat_for_bot(params)
        message = self._message_for_edit(chat, params)
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._text(params)
        markup, buttons = self._markup(params)
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        if (
            text == message.text
            and entities == message.entities
            and _inline(markup) == _inline(message.reply_markup)
        ):
            raise ApiError(400, _NOT_MODIFIED)
        message.text, message.entities = text, entities
        message.reply_markup, message.buttons = markup, buttons
        message.edit_date = int(time.time())
        chat.record_action(message.message_id)
        return self.message_json(chat, message)

    async def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat = self._chat_for_bot(params)
        message = self._message_for_edit(chat, params)
        markup, buttons = self._markup(params)
        if _inline(markup) == _inline(message.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        message.reply_markup, message.buttons = markup, buttons
        message.edit_date = int(time.time())
        chat.record_action(message.message_id)
        return self.message_json(chat, message)

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._queries.get(query_id)
        if (
            query is None
            or query.answered
            or self.clock() - query.created_at > self.callback_answer_timeout
        ):
            raise ApiError(400, _QUERY_TOO_OLD)
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answered = True
        chat = self._chats[query.chat_id]
        chat.callback_answers.append(
            CallbackAnswer(
                query_id=query_id,
                text=text if isinstance(text, str) and text else None,
                show_alert=_loose_bool(params.get("show_alert")),
                url=str(params["url"]) if params.get("url") else None,
            )
        )
        chat.record_action(None)
        return True


# -- module helpers -------------------------------------------------------------------


async def _read_params(request: web.Request) -> Params:
    """Bot API parameters from the query string and a JSON, urlencoded or multipart body.

    PTB sends form fields whose values are strings, with nested objects (reply_markup,
    entities, allowed_updates) JSON-encoded inside them; the getters below accept both
    that and native JSON values.
    """
    params: Params = dict(request.query) if request.query_string else {}
    if not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "application/x-www-form-urlencoded":
        # What PTB sends for every call without files; parse_qsl beats request.post()
        # by a wide margin on the benchmark's hot path.
        raw = await request.read()
        params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        return params
    if content_type == "application/json":
        body: Any
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            params.update(body)
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, str):
            params[key] = value
        elif isinstance(value, bytes | bytearray):
            params[key] = Upload("", "application/octet-stream", bytes(value))
        else:  # an uploaded file: keep its bytes (sendPhoto, sendDocument)
            params[key] = Upload(value.filename or "", value.content_type, value.file.read())
    return params


def _bad_gateway(fault: Fault) -> web.Response:
    return web.Response(status=502, text=_BAD_GATEWAY_HTML, content_type="text/html")


def _bad_bytes(fault: Fault) -> web.Response:
    body = _BAD_GATEWAY_HTML.replace("nginx", "pr\xf6xy").encode("latin-1") + b"\xff\xfe"
    return web.Response(status=502, body=body, content_type="text/html")


def _junk_429(fault: Fault) -> web.Response:
    junk = {
        "ok": False, "error_code": 429, "description": "Too Many Requests",
        "parameters": {"retry_after": "soon"},
    }  # fmt: skip
    return web.json_response(junk, status=429)


# The answer each error fault gives at once (any other kind: nginx's 502 page).
_FAULT_ANSWERS: dict[str, Callable[[Fault], web.Response]] = {
    "429": lambda f: _error_response(
        ApiError(429, f"Too Many Requests: retry after {f.retry_after}", retry_after=f.retry_after)
    ),
    "403": lambda f: _error_response(ApiError(403, _BLOCKED)),
    "500": lambda f: _error_response(ApiError(500, "Internal Server Error")),
    "badbytes": _bad_bytes,
    "badjson": lambda f: web.Response(
        status=200, text='{"ok": true, "result": {"id": 1', content_type="application/json"
    ),
    "html200": lambda f: web.Response(status=200, text=_BAD_GATEWAY_HTML, content_type="text/html"),
    "429junk": _junk_429,
}


def _error_response(error: ApiError) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.status,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.Response(
        status=error.status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def _loose_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _loose_float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _loose_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"true", "1"}
    return bool(value)


def _json_param(params: Params, name: str, error: str) -> Any:
    value = params.get(name)
    if not isinstance(value, str):
        return value
    if value == "":
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise ApiError(400, f"Bad Request: {error.removeprefix('Bad Request: ')}") from None


def _inline(markup: dict[str, Any] | None) -> Any:
    return markup.get("inline_keyboard") if markup else None


def _button(raw: Any) -> tuple[dict[str, Any], Button]:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise ApiError(
            400,
            'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String',
        )
    text: str = raw["text"]
    actions = [key for key in ("callback_data", "url", *_OTHER_BUTTON_ACTIONS) if key in raw]
    if not actions:
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        )
    if len(actions) > 1:
        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    action = actions[0]
    value = raw[action]
    if action == "callback_data":
        if (
            not isinstance(value, str)
            or not value
            or len(value.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return {"text": text, "callback_data": value}, Button(text, callback_data=value)
    if action == "url":
        parts = urlsplit(value) if isinstance(value, str) else None
        if (
            parts is None
            or parts.scheme not in {"http", "https", "tg"}
            or not (parts.netloc or parts.scheme == "tg")
        ):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return {"text": text, "url": value}, Button(text, url=value)
    return {"text": text, action: value}, Button(text)


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading/trailing whitespace and shifts entities to match."""
    stripped = text.strip(_WHITESPACE)
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip(_WHITESPACE))])
    total = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(int(entity.get("offset", 0)) - shift, 0)
        end = min(int(entity.get("offset", 0)) + int(entity.get("length", 0)) - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
