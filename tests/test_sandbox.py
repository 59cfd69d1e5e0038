"""The sandbox Bot API, exercised by the real PTB Application over HTTP (no mocks)."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.concurrency import PerChatUpdateProcessor
from sandbox import (
    ButtonNotFoundError,
    FakeBotApi,
    FaultInjector,
    SimUser,
    render_html_as_text,
)

App = Application[Any, Any, Any, Any, Any, Any]
NOT_MODIFIED = (
    "Message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in labels_and_data]]
    )


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    assert update.effective_user is not None
    suffix = "".join(" " + arg for arg in context.args or [])
    await update.effective_message.reply_text(
        f"Hello <b>{update.effective_user.first_name}</b> &amp; welcome{suffix}",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Yes", "yes"), ("No", "no")),
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.text is not None
    if update.message.text == "quiet":
        return
    await update.message.reply_text(f"echo: {update.message.text}")


async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.sticker is not None
    await update.message.reply_text(f"sticker {update.message.sticker.emoji}")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    biggest = update.message.photo[-1]
    await update.message.reply_text(f"photo {biggest.width}x{biggest.height}")


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.edited_message is not None
    await update.edited_message.reply_text(f"edited: {update.edited_message.text}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    if query.data == "toast":
        await query.answer("Just a toast", show_alert=True)
        return
    await query.answer()
    if query.data == "yes":
        await query.edit_message_text("You chose yes", reply_markup=keyboard(("Undo", "undo")))
    elif query.data == "undo":
        await query.edit_message_text("Choose again", reply_markup=keyboard(("Yes", "yes")))


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it PTB 22 warns (PTBDeprecationWarning) when a RetryAfter is even built,
    # which filterwarnings=error turns into a failure.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


def echo_app(api: FakeBotApi) -> App:
    application: App = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .concurrent_updates(PerChatUpdateProcessor())
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker))
    application.add_handler(MessageHandler(filters.PHOTO, on_photo))
    application.add_handler(CallbackQueryHandler(on_button))
    return application


@pytest.fixture
async def app(api: FakeBotApi) -> AsyncIterator[App]:
    """The echo bot, followed: simulated users wait for its "update handled" signal."""
    application = api.follow(echo_app(api))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


@pytest.fixture
def alex(api: FakeBotApi) -> SimUser:
    return api.user()


async def test_send_and_reply(app: App, alex: SimUser) -> None:
    replies = await alex.send("hi there")
    assert [m.text for m in replies] == ["echo: hi there"]
    assert [(m.from_bot, m.text) for m in alex.chat] == [
        (False, "hi there"),
        (True, "echo: hi there"),
    ]


async def test_command_gets_entity_and_html_is_rendered(app: App, alex: SimUser) -> None:
    replies = await alex.command("/start", "deep-link")
    assert len(replies) == 1
    assert replies[0].text == "Hello Alex & welcome deep-link"
    assert replies[0].labels == ["Yes", "No"]
    sent = next(params for method, params, _ in alex.api.calls if method == "sendMessage")
    assert sent["parse_mode"] == "HTML"


async def test_press_edits_in_place(app: App, alex: SimUser) -> None:
    await alex.command("/start")
    start_message = alex.last_bot_message()
    assert start_message is not None

    replies = await alex.press("Yes")
    assert [(m.message_id, m.text, m.edited) for m in replies] == [
        (start_message.message_id, "You chose yes", True)
    ]
    assert [m.text for m in alex.chat] == ["/start", "You chose yes"]
    assert alex.chat[-1].labels == ["Undo"]
    assert "[1] Undo" in alex.transcript()

    with pytest.raises(ButtonNotFoundError, match="'Undo'"):
        await alex.press("Yes")


async def test_toast_only_answer_counts_as_a_reaction(app: App, alex: SimUser) -> None:
    await alex.command("/start")
    message = alex.last_bot_message()
    assert message is not None
    assert await alex.press_data("toast", message.message_id) == []
    answer = alex.callback_answers[-1]
    assert (answer.text, answer.show_alert) == ("Just a toast", True)


async def test_callback_answered_twice_is_rejected(app: App, alex: SimUser) -> None:
    await alex.command("/start")
    await alex.press("Yes")
    query_id = alex.callback_answers[-1].query_id
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query(query_id)


async def test_old_callback_query_is_rejected() -> None:
    now = [0.0]
    async with FakeBotApi(clock=lambda: now[0], callback_answer_timeout=15.0) as api:
        user = api.user()
        user.enqueue("hi")
        async with Bot(api.token, base_url=api.base_url) as bot:
            sent = await bot.send_message(user.user_id, "pick", reply_markup=keyboard(("A", "a")))
            press = asyncio.create_task(user.press("A", expect_reply=False, settle=0.01))
            updates = await bot.get_updates(offset=-1, timeout=1)
            await press
            query = updates[-1].callback_query
            assert query is not None
            assert query.message is not None
            assert query.message.message_id == sent.message_id
            now[0] = 16.0
            with pytest.raises(BadRequest, match="Query is too old"):
                await bot.answer_callback_query(query.id)


async def test_validation_errors(app: App, alex: SimUser) -> None:
    await alex.send("hello")
    bot, chat_id = app.bot, alex.user_id
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(chat_id, "x" * 4097)
    # 4096 visible characters are fine even though the markup makes the text longer.
    await bot.send_message(chat_id, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(chat_id, "  \n ")
    with pytest.raises(BadRequest, match='entities: unsupported start tag "p" at byte offset 0'):
        await bot.send_message(chat_id, "<p>hi</p>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"Can't parse entities: .*end tag"):
        await bot.send_message(chat_id, "<b>bold</i>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(chat_id, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(chat_id, "Tom & Jerry", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(chat_id, "k", reply_markup=keyboard(("65", "é" * 32 + "x")))
    await bot.send_message(chat_id, "k", reply_markup=keyboard(("64", "é" * 32)))
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "anyone?")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat_id, message_id=999)


async def test_not_modified(app: App, alex: SimUser) -> None:
    await alex.command("/start")
    message = alex.last_bot_message()
    assert message is not None
    markup = keyboard(("Yes", "yes"), ("No", "no"))
    with pytest.raises(BadRequest) as caught:
        await app.bot.edit_message_text(
            "Hello <b>Alex</b> &amp; welcome",
            chat_id=alex.user_id,
            message_id=message.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    assert caught.value.message == NOT_MODIFIED
    # Same text but no reply_markup is a change: Telegram drops the keyboard.
    await app.bot.edit_message_text(
        "Hello <b>Alex</b> &amp; welcome",
        chat_id=alex.user_id,
        message_id=message.message_id,
        parse_mode=ParseMode.HTML,
    )
    assert alex.chat[-1].buttons == []


async def test_blocked_user(app: App, alex: SimUser) -> None:
    await alex.send("hello")
    alex.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(alex.user_id, "still there?")
    alex.unblock()
    await app.bot.send_message(alex.user_id, "welcome back")
    assert alex.chat[-1].text == "welcome back"


@pytest.mark.parametrize(
    ("kind", "expected", "match"),
    [
        ("403", Forbidden, "bot was blocked"),
        ("500", NetworkError, "Internal Server Error"),
        ("502", NetworkError, "Bad Gateway"),
        ("drop", NetworkError, "httpx"),
    ],
)
async def test_fault_maps_to_ptb_exception(
    app: App, alex: SimUser, kind: Any, expected: type[Exception], match: str
) -> None:
    await alex.send("hello")
    app_api = alex.api
    app_api.faults.add(kind, method="sendMessage")
    with pytest.raises(expected, match=match) as caught:
        await app.bot.send_message(alex.user_id, "x")
    assert type(caught.value) is expected
    assert app_api.stats.faults[kind] == 1
    await app.bot.send_message(alex.user_id, "recovered")  # a one-shot fault is used up
    assert alex.chat[-1].text == "recovered"


async def test_429_is_retry_after(app: App, alex: SimUser) -> None:
    await alex.send("hello")
    alex.api.faults.add("429", method="sendMessage", chat_id=alex.user_id, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(alex.user_id, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)


async def test_slow_answers_late_or_times_out(app: App, alex: SimUser) -> None:
    await alex.send("hello")
    api = alex.api
    api.faults.add("slow", method="sendMessage", delay=0.3)
    calls = api.stats.calls["sendMessage"]
    late = asyncio.create_task(app.bot.send_message(alex.user_id, "late"))
    assert await api.wait_calls("sendMessage", calls + 1, within=5)
    # The call has arrived; a slow server has not acted on it yet.
    assert alex.chat[-1].text != "late"
    assert not late.done()
    await late
    assert alex.chat[-1].text == "late"

    api.faults.add("slow", method="sendMessage", delay=5.0)
    with pytest.raises(TimedOut):
        await app.bot.send_message(alex.user_id, "never", read_timeout=0.2)
    assert alex.chat[-1].text == "late"


async def test_fault_rate_and_get_updates_is_spared(app: App, alex: SimUser) -> None:
    api = alex.api
    api.faults.set_rate("500", 1.0)  # every call, except getUpdates
    replies = await alex.send("hello", expect_reply=False)
    assert replies == []
    assert any("Internal Server Error" in f for f in alex.failures) or api.stats.faults["500"]
    api.faults.clear()
    assert [m.text for m in await alex.send("again")] == ["echo: again"]
    assert api.stats.calls["getUpdates"] > 0


async def test_no_reply_raises_clear_timeout(app: App, alex: SimUser) -> None:
    with pytest.raises(TimeoutError, match=r"Alex .*'quiet'.*did nothing"):
        await alex.send("quiet", timeout=0.3)
    assert await alex.send("quiet", expect_reply=False) == []


async def test_media_updates(app: App, alex: SimUser) -> None:
    assert [m.text for m in await alex.send_sticker("🔥")] == ["sticker 🔥"]
    assert [m.text for m in await alex.send_photo()] == ["photo 1280x960"]
    assert alex.chat[0].kind == "sticker"
    assert "> [sticker]" in alex.transcript()


async def test_edited_message(app: App, alex: SimUser) -> None:
    await alex.send("typo")
    first = alex.chat[0]
    replies = await alex.edit_message(first.message_id, "fixed")
    assert [m.text for m in replies] == ["edited: fixed"]
    assert alex.chat[0].text == "fixed"
    assert alex.chat[0].edited


async def test_get_updates_offset_limit_and_long_poll() -> None:
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        user = api.user()
        for text in ("one", "two", "three"):
            user.enqueue(text)
        first = await bot.get_updates(limit=2, timeout=0)
        assert [u.message.text for u in first if u.message] == ["one", "two"]
        # Not confirmed yet: the same updates come again.
        assert [u.update_id for u in await bot.get_updates(timeout=0)][:2] == [
            u.update_id for u in first
        ]
        rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
        assert [u.message.text for u in rest if u.message] == ["three"]
        offset = rest[-1].update_id + 1

        # Nothing new: the long poll ends empty at its timeout.
        assert await bot.get_updates(offset=offset, timeout=dtm.timedelta(seconds=0.2)) == ()

        # A long poll in progress is woken by a new update: one poll (of 5 s) returns it.
        polls = api.stats.calls["getUpdates"]
        waiting = asyncio.create_task(bot.get_updates(offset=offset, timeout=5))
        assert await api.wait_calls("getUpdates", polls + 1, within=5)
        user.enqueue("wake")
        woken = await waiting
        assert api.stats.calls["getUpdates"] == polls + 1
        assert [u.message.text for u in woken if u.message] == ["wake"]


async def test_wrong_token_and_unknown_method(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url):
            pass
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("notAMethod")
        assert await bot.set_my_commands([("start", "Start")])
        assert [c.command for c in await bot.get_my_commands()] == ["start"]


def test_render_html_as_text() -> None:
    assert render_html_as_text("<b>a</b> &lt;3 &amp; <i>b</i>") == "a <3 & b"
    assert render_html_as_text("broken <b>tag") == "broken tag"


def test_fault_rate_is_seeded_and_spares_get_updates() -> None:
    first, second = FaultInjector(), FaultInjector()
    for injector in (first, second):
        injector.set_rate("500", 0.5, seed=7)
    picks = [first.pick("sendmessage", 1) is not None for _ in range(200)]
    assert picks == [second.pick("sendmessage", 1) is not None for _ in range(200)]
    assert 60 < sum(picks) < 140
    assert first.pick("getupdates", None) is None
    first.add("502", method="getUpdates")
    fault = first.pick("getupdates", None)
    assert fault is not None
    assert fault.kind == "502"


async def test_photos_and_documents_from_memory(app: App, alex: SimUser) -> None:
    await alex.send("hello")
    bot, chat_id = app.bot, alex.user_id
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    sent = await bot.send_photo(
        chat_id, InputFile(png, filename="c.png"), caption="<b>Chart</b>", parse_mode=ParseMode.HTML
    )
    assert sent.photo
    assert sent.caption == "Chart"
    await bot.send_document(chat_id, InputFile(b"a,b\r\n1,2\r\n", filename="t.csv"))
    photo, document = alex.chat[-2:]
    assert (photo.kind, photo.file, photo.text) == ("photo", png, "Chart")
    assert (document.kind, document.file_name, document.file) == (
        "document",
        "t.csv",
        b"a,b\r\n1,2\r\n",
    )
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(chat_id, InputFile(b"not an image", filename="x.png"))
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(chat_id, InputFile(b"x", filename="x"), caption="x" * 1025)
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=chat_id, message_id=photo.message_id)
    # Only the buttons of a message change: editMessageReplyMarkup.
    changed = await bot.edit_message_reply_markup(
        chat_id=chat_id, message_id=photo.message_id, reply_markup=keyboard(("A", "a"))
    )
    assert not isinstance(changed, bool)
    assert alex.chat[-2].labels == ["A"]


async def test_a_bot_not_followed_is_waited_for_until_quiet(api: FakeBotApi) -> None:
    """A bot the server does not follow (another process) gives no "handled" signal: the user
    waits for its first visible action, then for a quiet moment."""
    application = echo_app(api)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        alex = api.user()
        assert not api.following
        assert [m.text for m in await alex.send("hi", settle=0.05)] == ["echo: hi"]
        with pytest.raises(TimeoutError, match=r"'quiet'.*did nothing visible in time"):
            await alex.send("quiet", timeout=0.3)
        with pytest.raises(RuntimeError, match="no bot is followed"):
            await api.wait_handled([1], within=0.1)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
