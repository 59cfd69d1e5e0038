"""Run the local Bot API server as its own process (benchmarks, crash tests).

    python -m sandbox.serve --users 1000 [--port 0] [--token T]

Prints `READY <port>` once listening. Chats 1..users exist as if each user had started the bot.
Reads commands on stdin, one per line, and answers each with one JSON line:
`stats [PREFIX]` -> {"bot_messages": n, "chats_reached": n, "duplicates": n, "max_per_chat": n},
    counting only bot messages whose visible text starts with PREFIX when one is given
`say N TEXT` -> users 1..N each send TEXT to the bot (load during a crash test) -> {"sent": N}
`revoke` -> the bot's token stops working (as after /revoke at @BotFather) -> {"revoked": 1}
`fault KIND METHOD TIMES [RETRY_AFTER]` -> the next TIMES calls of METHOD fail with KIND
    (see faults.py) -> {"faults": TIMES}
`rate KIND PROBABILITY METHOD [DELAY]` -> a steady share of METHOD calls fail with KIND
    -> {"rate": PROBABILITY}
`press N LABEL` -> users 1..N each press the button LABEL on their newest bot message showing
    it -> {"pressed": how many had it}
`quit` (or end of input) -> stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Protocol

from bot.config import PROJECT_ROOT
from sandbox.server import FakeBotApi
from sandbox.store import ChatState, UserInfo
from sandbox.user import ButtonNotFoundError, SimUser, command_entities

DEFAULT_TOKEN = "123456789:SANDBOX-token-for-local-tests-only"


def bot_environment(port: int, db: Path, rate: float, **extra: str) -> dict[str, str]:
    """The environment for `python -m bot run` against the server on `port`: this process's
    environment without any Telegram setting, the sandbox token, a fast reminder sweep."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "BOT_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
            "BOT_API_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
            "DATABASE_PATH": str(db),
            "REMINDER_SWEEP_SECONDS": "0.2",
            "REMINDER_RATE": str(rate),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(PROJECT_ROOT),
            **extra,
        }
    )
    return env


def add_started_chats(api: FakeBotApi, count: int) -> None:
    for user_id in range(1, count + 1):
        chat = ChatState(user=UserInfo(user_id, f"User{user_id}", "en", None), max_messages=16)
        chat.started = True
        api._chats[user_id] = chat  # the sandbox's own store; no network round trip per user


class ServerProcess(Protocol):
    """A server process with pipes to its stdin and stdout: `start_server`'s, or a test's."""

    stdin: IO[str] | None
    stdout: IO[str] | None

    def wait(self, timeout: float | None = None) -> int: ...

    def kill(self) -> None: ...


def send_command(server: ServerProcess, command: str) -> dict[str, int]:
    """Send one stdin command to a server started by start_server; returns its JSON answer."""
    if server.stdin is None or server.stdout is None:
        raise RuntimeError("no pipe to the sandbox server")
    server.stdin.write(command + "\n")
    server.stdin.flush()
    result: dict[str, int] = json.loads(server.stdout.readline())
    return result


def stats(api: FakeBotApi, prefix: str = "") -> dict[str, int]:
    per_chat = [
        sum(1 for m in chat.messages.values() if m.from_bot and m.text.startswith(prefix))
        for chat in api._chats.values()
    ]
    return {
        "bot_messages": sum(per_chat),
        "chats_reached": sum(1 for n in per_chat if n),
        "duplicates": sum(n - 1 for n in per_chat if n > 1),
        "max_per_chat": max(per_chat, default=0),
    }


def press(api: FakeBotApi, count: int, label: str) -> int:
    pressed = 0
    for user_id in range(1, count + 1):
        chat = api.chat_state(user_id)
        if chat is None:
            continue
        try:
            message, button = SimUser(api, chat)._find_button(label, None)
        except ButtonNotFoundError:
            continue
        if button.callback_data is not None:
            api.user_callback(chat, message, button.callback_data)
            pressed += 1
    return pressed


async def serve(users: int, port: int, token: str) -> None:
    async with FakeBotApi(token=token, port=port) as api:
        add_started_chats(api, users)
        print(f"READY {api.port}", flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            command = line.strip()
            if not line or command == "quit":
                return
            if command == "stats" or command.startswith("stats "):
                print(json.dumps(stats(api, command[len("stats ") :])), flush=True)
            elif command.startswith("fault "):
                _, kind, method, times, *rest = command.split()
                retry_after = int(rest[0]) if rest else 1
                api.faults.add(kind, method=method, times=int(times), retry_after=retry_after)
                print(json.dumps({"faults": int(times)}), flush=True)
            elif command.startswith("rate "):
                _, kind, probability, method, *rest = command.split()
                delay = float(rest[0]) if rest else 0.0
                api.faults.set_rate(kind, float(probability), method=method, delay=delay, seed=7)
                print(json.dumps({"rate": float(probability)}), flush=True)
            elif command.startswith("press "):
                _, count, label = command.split(" ", 2)
                print(json.dumps({"pressed": press(api, int(count), label)}), flush=True)
            elif command == "revoke":
                api.revoke()
                print(json.dumps({"revoked": 1}), flush=True)
            elif command.startswith("say "):
                _, count, text = command.split(" ", 2)
                for user_id in range(1, int(count) + 1):
                    chat = api.chat_state(user_id)
                    if chat is not None:
                        api.user_message(chat, text=text, entities=command_entities(text))
                print(json.dumps({"sent": int(count)}), flush=True)


def start_server(users: int, cwd: Path | None = None) -> tuple[subprocess.Popen[str], int]:
    """Start this module as a child process; returns it and the port it listens on."""
    server = subprocess.Popen(
        [sys.executable, "-m", "sandbox.serve", "--users", str(users)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=cwd or PROJECT_ROOT,
    )
    if server.stdout is None:
        raise RuntimeError("no pipe to the sandbox server")
    line = server.stdout.readline()
    if not line.startswith("READY"):
        server.kill()
        raise RuntimeError(f"the sandbox server did not start: {line!r}")
    return server, int(line.split()[1])


def server_stats(server: ServerProcess, prefix: str = "") -> dict[str, int]:
    """Ask a server started by start_server what the chats received (only messages whose
    text starts with `prefix`, when given)."""
    return send_command(server, f"stats {prefix}".strip())


def stop_server(server: ServerProcess) -> None:
    """Stop a server started with this module's command line and close its pipes."""
    if server.stdin is not None:
        server.stdin.close()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)
    if server.stdout is not None:
        server.stdout.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.serve")
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.users, args.port, args.token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
