"""The real bot as its own process, against the local Bot API server in another process: for
tests that send signals (SIGTERM, SIGKILL), restart the bot or read its exit code and output.

Such a process is a fork of the test process running the bot's own entry point
(`bot.__main__.main`, as `python -m bot ...` does) or the server's (`sandbox.serve.main`):
a process of its own, with its own environment, working directory, standard streams, signals
and exit code, but without the start-up the test process has already paid for (interpreter,
imports, the languages' content and routers, the time-zone index: about 8 s of CPU per
`python -m bot run`). `tests/test_layout.py` and `test_config.py` still start `python -m bot`
the ordinary way, so the real command line stays covered.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import gc
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import bot.__main__ as bot_main
import bot.app
import bot.services
import sandbox.serve
from bench import seed
from bot.config import PROJECT_ROOT
from bot.diary import chart
from bot.reminders import zones
from bot.storage import Storage
from sandbox.serve import bot_environment
from tests import peek
from tests.conftest import CACHE, shared_locales

# Python's own warning filters (pytest turns warnings into errors in the test process).
_DEFAULT_WARNINGS: list[tuple[str, type[Warning], str]] = [
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
]
# File descriptors of this process that a forked child must not keep open (the test's ends of
# a server's pipes: a bot holding them would keep the server from seeing the end of its input).
_PARENT_ONLY_FDS: set[int] = set()
# What a child replaced (pytest's capture streams): kept alive so that nothing closes their
# descriptors behind the child's back.
_KEPT: list[object] = []


class Child:
    """A forked process, handled like `subprocess.Popen`: poll, wait, send_signal, kill."""

    def __init__(self, pid: int, args: Sequence[str]) -> None:
        self.pid = pid
        self.args = list(args)
        self.returncode: int | None = None
        self._pidfd = os.pidfd_open(pid)

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, flags)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                os.close(self._pidfd)
        return self.returncode

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int:
        """The exit code (negative: the signal that ended it), once it has exited: the pidfd
        becomes readable then, so this waits for that, not for a time."""
        if self.returncode is None:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        code = self._reap(0)
        assert code is not None
        return code

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            signal.pidfd_send_signal(self._pidfd, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def warm() -> None:
    """What `python -m bot run` loads at start-up, loaded here once per test process so that
    each forked bot starts with it (content is read-only: see `shared_locales`)."""
    shared_locales(PROJECT_ROOT / "content", "en")
    zones.warm_up(PROJECT_ROOT / "content" / "timezones.toml", cache=CACHE)


def _cached_locales(
    root: Path, default: str, cache: Path | None = None
) -> dict[str, bot.services.Locale]:
    return dict(shared_locales(root, default))


def _as_fresh_process(env: Mapping[str, str], cwd: Path, fds: tuple[int, int, int]) -> None:
    """In the child: the state a new interpreter would have, for what the entry point sees."""
    gc.freeze()  # the test process's garbage stays as it is: no finalizer runs in the child
    for fd in _PARENT_ONLY_FDS:
        os.close(fd)
    faulthandler.disable()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.set_wakeup_fd(-1)
    try:
        import coverage
    except ImportError:
        pass
    else:
        measuring = coverage.Coverage.current()
        if measuring is not None:
            measuring.stop()  # the child's data would be lost at os._exit anyway
    warnings.resetwarnings()
    for action, category, module in reversed(_DEFAULT_WARNINGS):
        warnings.filterwarnings(action, category=category, module=module)  # type: ignore[arg-type]
    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target)
    _KEPT.extend([sys.stdin, sys.stdout, sys.stderr])
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1,  # noqa: SIM115
                      closefd=False)  # fmt: skip
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    asyncio.set_event_loop(None)
    # A drawing process the test process started belongs to it (its manager thread is not
    # forked): the child starts its own when it first draws.
    drawing = getattr(chart, "_pool", None)
    if drawing is not None and hasattr(drawing, "cache_clear"):
        drawing.cache_clear()
    # The bot loads its languages from the content folder: the default one is already loaded.
    bot.services.load_locales = _cached_locales
    bot.app.load_locales = _cached_locales  # type: ignore[attr-defined]


def fork(
    entry: Callable[[], int],
    args: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    fds: tuple[int, int, int],
    *,
    bot: bool = True,
) -> int:
    """Run `entry` in a forked child with `env`, `cwd` and (stdin, stdout, stderr) `fds`; the
    child exits with what it returns. Returns the child's pid. `bot`: the child runs the bot,
    so what it loads at start-up is loaded here first (once per test process)."""
    if bot:
        warm()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test
        code = 70
        try:
            _as_fresh_process(env, cwd, fds)
            code = entry()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # shown as an uncaught exception would be
            traceback.print_exc()
            code = 1
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(code)
    return pid


def in_child(function: Callable[[], int]) -> int:
    """Run `function` in a forked child and return its exit code: for a test that changes
    what a process holds once (the time-zone index) without changing it for the tests after."""
    pid = fork(function, ["in_child"], dict(os.environ), Path.cwd(), (0, 1, 2), bot=False)
    child = Child(pid, ["in_child"])
    try:
        return child.wait(60)
    finally:
        reap(child)


def run_bot(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path = PROJECT_ROOT,
    input: str = "",  # as subprocess.run calls it
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a forked child (see the module docstring): its exit code and
    its output, like `subprocess.run(..., capture_output=True, text=True)`."""
    command = ["python", "-m", "bot", *args]
    with (
        tempfile.TemporaryFile() as stdin,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        stdin.write(input.encode())
        stdin.seek(0)
        child = Child(
            fork(
                lambda: bot_main.main(list(args)),
                command,
                dict(os.environ) if env is None else env,
                cwd,
                (stdin.fileno(), out.fileno(), err.fileno()),
            ),
            command,
        )
        try:
            code = child.wait(timeout)
        finally:
            reap(child)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            command, code, out.read().decode(errors="replace"), err.read().decode(errors="replace")
        )


class Server(Child):
    """`python -m sandbox.serve` as a forked child, with pipes to its standard input and
    output like a `subprocess.Popen(..., stdin=PIPE, stdout=PIPE, text=True)`."""

    def __init__(self, pid: int, args: Sequence[str], stdin: int, stdout: int) -> None:
        super().__init__(pid, args)
        self.stdin: IO[str] | None = open(stdin, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
        self.stdout: IO[str] | None = open(stdout, encoding="utf-8")  # noqa: SIM115


def start_server(users: int) -> tuple[Server, int]:
    """The local Bot API server in a process of its own, as `sandbox.serve.start_server`
    starts it; returns it and the port it listens on."""
    command = ["python", "-m", "sandbox.serve", "--users", str(users)]
    command_r, command_w = os.pipe()
    answer_r, answer_w = os.pipe()
    _PARENT_ONLY_FDS.update((command_w, answer_r))  # the test's ends: not the server's own
    pid = fork(
        lambda: sandbox.serve.main(command[3:]),
        command,
        dict(os.environ),
        PROJECT_ROOT,
        (command_r, answer_w, 2),
    )
    os.close(command_r)
    os.close(answer_w)
    server = Server(pid, command, command_w, answer_r)
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("READY"):
        server.kill()
        raise RuntimeError(f"the sandbox server did not start: {line!r}")
    return server, int(line.split()[1])


def stop_server(server: Server) -> None:
    """End its input (it stops), wait for it, close the pipes."""
    for pipe in (server.stdin, server.stdout):
        if pipe is not None:
            _PARENT_ONLY_FDS.discard(pipe.fileno())
    sandbox.serve.stop_server(server)


# How reminder messages start, to count them apart from replies.
REMINDER = "🌙 Time for"


def bot_process(port: int, db: Path, log: Path, *, rate: float = 300, **extra: str) -> Child:
    """`python -m bot run` against the server on `port`, its output appended to `log`."""
    env = bot_environment(port, db, rate, **extra)
    command = ["python", "-m", "bot", "run"]
    with log.open("ab") as out, open(os.devnull, "rb") as devnull:
        fds = (devnull.fileno(), out.fileno(), out.fileno())
        return Child(fork(lambda: bot_main.main(["run"]), command, env, db.parent, fds), command)


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    """Poll `condition` (a signal from another process: a count reached) until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def prepare_due(db: Path, users: int, late_by: int = 5) -> None:
    """`users` people, each with a bedtime reminder due `late_by` seconds ago."""

    async def go() -> None:
        storage = await Storage.open(db)
        now = int(time.time())
        await seed.add_users_with_reminders(
            storage, [(uid, "UTC", "22:00", now - late_by) for uid in range(1, users + 1)], now
        )
        await storage.close()

    asyncio.run(go())


def delivery_counts(db: Path) -> tuple[dict[str, int], str]:
    async def go() -> tuple[dict[str, int], str]:
        storage = await Storage.open(db)
        try:
            return await storage.delivery_counts(), await peek.integrity_check(storage)
        finally:
            await storage.close()

    return asyncio.run(go())


def reap(process: Child) -> None:
    """After a failed test: a bot process still running is killed, never left behind."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)
