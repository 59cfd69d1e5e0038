"""What Telegram accepts as `parse_mode=HTML`, and what the person then sees.

Shared by the content validator (so a broken text stops start-up, not a reply) and the local
Bot API server (so tests meet the same errors Telegram gives).
"""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64

ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "tg-spoiler", "span", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


def html_error(text: str) -> str | None:
    """None when Telegram would accept `text` as HTML, else the reason it would refuse it."""
    stack: list[str] = []
    pos = 0
    for match in _TAG.finditer(text):
        problem = _plain_error(text[pos : match.start()], pos)
        if problem:
            return problem
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in ALLOWED_TAGS:
            return f"unsupported start tag {name!r} at byte offset {match.start()}"
        if closing:
            if not stack or stack[-1] != name:
                return f"can't find end tag corresponding to start tag {name!r}"
            stack.pop()
        else:
            if name == "a" and not re.search(r"""href\s*=\s*["'][^"']+["']""", attrs):
                return "<a> needs an href"
            stack.append(name)
        pos = match.end()
    problem = _plain_error(text[pos:], pos)
    if problem:
        return problem
    if stack:
        return f"can't find end tag corresponding to start tag {stack[-1]!r}"
    return None


def _plain_error(chunk: str, offset: int) -> str | None:
    for i, ch in enumerate(chunk):
        if ch in "<>":
            return f"unexpected {ch!r} at byte offset {offset + i}: escape it as &lt; or &gt;"
        if ch == "&" and not _ENTITY.match(chunk, i):
            return f"unexpected '&' at byte offset {offset + i}: escape it as &amp;"
    return None


def visible_text(text: str) -> str:
    """The text as the person sees it: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str) -> int:
    """Telegram counts UTF-16 code units after entity parsing."""
    return len(visible_text(text).encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return html.escape(text, quote=False)
