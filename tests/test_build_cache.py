"""The cache of built languages and of the zone index (bot/build_cache.py): a copy is read only
while everything it was built from is unchanged, and a bad or unwritable folder costs a build,
never a failure."""

from __future__ import annotations

import logging
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import pytest

from bot import build_cache, services
from bot.config import PROJECT_ROOT, load_settings
from bot.content import load_content
from bot.services import Locale, load_locales
from tests.conftest import CACHE, shared_locales

CONTENT = PROJECT_ROOT / "content"


def _counting(value: object) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []

    def build() -> object:
        calls.append(1)
        return value

    return calls, build


def test_a_copy_is_read_back_and_built_once(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    calls, build = _counting({"a": (1, 2)})
    first = build_cache.cached("thing", "k1", build, folder)
    second = build_cache.cached("thing", "k1", build, folder)
    assert first == second == {"a": (1, 2)}
    assert len(calls) == 1
    assert [p.name for p in folder.iterdir()] == ["thing-k1.pickle"]
    # Only its owner can put a copy there (a pickle runs code when read).
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_no_folder_builds_every_time() -> None:
    calls, build = _counting(3)
    assert build_cache.cached("thing", "k", build, None) == 3
    assert build_cache.cached("thing", "k", build, None) == 3
    assert len(calls) == 2


def test_an_unreadable_copy_is_built_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "thing-k.pickle").write_bytes(b"not a pickle")
    calls, build = _counting([1])
    with caplog.at_level(logging.WARNING, logger="bot.build_cache"):
        assert build_cache.cached("thing", "k", build, tmp_path) == [1]
    assert len(calls) == 1
    assert "could not be read" in caplog.text
    # ... and the good copy replaced it.
    assert build_cache.cached("thing", "k", build, tmp_path) == [1]
    assert len(calls) == 1


def test_a_folder_that_cannot_be_written_only_costs_a_build(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")
    calls, build = _counting("value")
    assert build_cache.cached("thing", "k", build, blocked / "cache") == "value"
    assert build_cache.cached("thing", "k", build, blocked / "cache") == "value"
    assert len(calls) == 2


def test_older_copies_of_one_thing_are_deleted(tmp_path: Path) -> None:
    for n in range(build_cache.KEEP + 3):
        build_cache.cached("thing", f"k{n}", lambda n=n: n, tmp_path)  # type: ignore[misc]
    build_cache.cached("other", "k", lambda: 0, tmp_path)
    names = {p.name for p in tmp_path.glob("*.pickle")}
    assert len([n for n in names if n.startswith("thing-")]) == build_cache.KEEP
    assert f"thing-k{build_cache.KEEP + 2}.pickle" in names
    assert "thing-k0.pickle" not in names
    assert "other-k.pickle" in names
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_copy_read_last_is_kept(tmp_path: Path) -> None:
    """Copies are dropped by when they were last read: a run of other builds (a test's changed
    content) does not push out the one that every process reads."""
    build_cache.cached("thing", "main", lambda: "main", tmp_path)
    for n in range(build_cache.KEEP + 2):
        os.utime(tmp_path / "thing-main.pickle", (0, 0))  # as if long unused, then read:
        assert build_cache.cached("thing", "main", lambda: "rebuilt", tmp_path) == "main"
        build_cache.cached("thing", f"other{n}", lambda n=n: n, tmp_path)  # type: ignore[misc]
    assert (tmp_path / "thing-main.pickle").exists()


def test_the_fingerprint_follows_the_files_and_their_names(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "en").mkdir(parents=True)
    (root / "en" / "a.toml").write_text("x = 1\n")
    first = build_cache.fingerprint([root], "en")
    assert build_cache.fingerprint([root], "en") == first
    assert build_cache.fingerprint([root], "es") != first
    (root / "en" / "a.toml").write_text("x = 2\n")
    changed = build_cache.fingerprint([root], "en")
    assert changed != first
    (root / "en" / "a.toml").rename(root / "en" / "b.toml")
    assert build_cache.fingerprint([root], "en") not in {first, changed}


def test_cache_dir_setting() -> None:
    home = load_settings({}, require_token=False).cache_dir
    assert home == Path.home() / ".cache" / "cramp-bot"
    xdg = load_settings({"XDG_CACHE_HOME": "/x/cache"}, require_token=False).cache_dir
    assert xdg == Path("/x/cache/cramp-bot")
    assert load_settings({"CACHE_DIR": "off"}, require_token=False).cache_dir is None
    assert load_settings({"CACHE_DIR": "/srv/c"}, require_token=False).cache_dir == Path("/srv/c")


# Four languages built under the coverage tracer took 20 s of the suite's CPU; the lines only a
# build reaches are measured by the test after this one and tests/test_warning_signs.py
# (but for the three lines of services._build_locales that hand each language to the build).
@pytest.mark.slow
@pytest.mark.no_cover
def test_cached_languages_route_as_freshly_built_ones(tmp_path: Path) -> None:
    """The copy the tests and the bot read gives the same answers as a fresh build."""
    fresh = load_locales(CONTENT, "en", tmp_path)  # built, then written
    assert list(tmp_path.glob("locales-*.pickle"))
    read = load_locales(CONTENT, "en", tmp_path)
    assert read is not fresh
    shared = shared_locales(CONTENT, "en")  # what every other test uses (from CACHE)
    assert tmp_path != CACHE
    messages = {
        "en": ["my calf is swollen and hot", "cramp in the pool!!", "thanks", "why at night"],
        "zh": ["小腿抽筋了", "腿肿了还发热", "谢谢"],
        "ru": ["судорога в ноге ночью", "икра опухла и горячая"],
        "es": ["calambre en la pantorrilla", "me duele el pecho y la pierna hinchada"],
    }
    for lang, texts in messages.items():
        for text in texts:
            expected = fresh[lang].router.route(text)
            assert read[lang].router.route(text) == expected
            assert shared[lang].router.route(text) == expected
        assert read[lang].content.texts == fresh[lang].content.texts


def test_a_build_from_keywords_alone_reads_as_the_copy(tmp_path: Path) -> None:
    """What a build reaches, measured (the test above runs untraced): Chinese, read without
    spaces, built from its keywords alone, with its dictionary folded afresh; kept through the
    cache's pickle (read-only tables included) and read back the same."""
    services._folded_dictionary.cache_clear()
    built = build_cache.cached(
        "locale", "zh", lambda: Locale.build(load_content(CONTENT, "zh")), tmp_path
    )
    calls, again = _counting(built)
    read = build_cache.cached("locale", "zh", again, tmp_path)
    assert not calls
    assert isinstance(read, Locale)
    assert read is not built
    assert isinstance(read.content.texts, MappingProxyType)
    assert read.content.texts == built.content.texts
    shared = shared_locales(CONTENT, "en")["zh"].router
    for text in ["腿肿了还发热", "小腿又红又肿", "谢谢"]:
        assert read.router.route(text) == built.router.route(text)
        assert built.router.route(text).tier == shared.route(text).tier


def test_a_changed_content_folder_is_built_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The building itself is not what is tested here (the test above compares a real build
    with its copy): a stand-in that records each build keeps this to the cache's decisions."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    cache = tmp_path / "cache"
    builds: list[Path] = []

    def recorded(at: Path, default: str) -> dict[str, str]:
        builds.append(at)
        return {default: (at / "es" / "system.toml").read_text(encoding="utf-8")}

    monkeypatch.setattr(services, "_build_locales", recorded)
    first = load_locales(root, "en", cache)
    assert load_locales(root, "en", cache) == first
    assert builds == [root]
    system = root / "es" / "system.toml"
    system.write_text(system.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = load_locales(root, "en", cache)
    assert builds == [root, root]
    assert changed != first
    assert len(list(cache.glob("locales-*.pickle"))) == 2
