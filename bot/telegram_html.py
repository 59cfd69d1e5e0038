"""Telegram's HTML parse mode: what it accepts, and what the person then sees.

One validator for the content check (`bot check` and start-up, so a broken text stops the
bot, not a reply) and the local Bot API server in sandbox/ (so tests meet the same errors
Telegram gives). The parser follows tdlib's ``parse_html`` (what the Bot API runs for
``parse_mode=HTML``): the same tag set (Telegram's allowed list: b, strong, i, em, u, ins, s,
strike, del, span class="tg-spoiler", tg-spoiler, a href, tg-emoji emoji-id, code, pre,
blockquote), the same handful of named entities, the same error texts with UTF-8 byte
offsets. Offsets of the produced entities are in UTF-16 code units, as in the Bot API.

One deliberate difference, switchable: Telegram shows a bare ``&`` literally, but in
``strict`` mode (the content check's) it is rejected, because an unescaped ``&`` almost
always means unescaped dynamic text, which breaks on the first ``<`` a user types.
"""

from __future__ import annotations

import html as _stdlib_html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64

_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = frozenset(" \t\r\n\v\f")
_NAME_TOKEN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_SPECIAL = re.compile(r"[<&]")
_LINK_START = re.compile(r"<a(\s[^>]*)?>", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*["']?[^"'\s>]""", re.IGNORECASE)
_URL_SCHEMES = frozenset({"http", "https", "tg", "ton", "tonsite"})


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(exc)`` is Telegram's wording."""


@dataclass(frozen=True, slots=True)
class Entity:
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            data["user"] = {"id": self.user_id, "is_bot": False, "first_name": "User"}
        return data


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode ``&...`` at ``i`` the way Telegram does, or None if it stays literal.

    Only lt/gt/amp/quot and numeric references are decoded; the ``;`` is optional.
    """
    size = len(text)
    pos = i + 1
    code: int
    if pos < size and text[pos] == "#":
        pos += 1
        base = 10
        if pos < size and text[pos] in "xX":
            base = 16
            pos += 1
        digits_start = pos
        code = 0
        digits = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
        while pos < size and text[pos] in digits:
            code = code * base + int(text[pos], base)
            if code > 0x10FFFF:
                return None
            pos += 1
        if pos == digits_start or code == 0:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        char = chr(code)
    else:
        name_start = pos
        while pos < size and text[pos].isascii() and text[pos].isalpha():
            pos += 1
        decoded = _NAMED.get(text[name_start:pos])
        if decoded is None:
            return None
        char = decoded
    if pos < size and text[pos] == ";":
        pos += 1
    return char, pos


def _normalize_url(url: str) -> str | None:
    """A usable link target, or None; Telegram silently drops links it can't use."""
    url = url.strip()
    if not url or any(c in _SPACES for c in url):
        return None
    if "://" not in url and not url.startswith(("tg:", "ton:")):
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _URL_SCHEMES:
        return None
    if parts.scheme.lower() in {"http", "https"}:
        host = parts.hostname or ""
        if "." not in host and host != "localhost":
            return None
        if not parts.path and not parts.query and not parts.fragment:
            url += "/"
    return url


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    text_offset: int
    byte_offset: int


def parse_html(text: str, *, strict: bool = False) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into (visible text, entities); raise HtmlParseError like Telegram."""
    if "<" not in text and "&" not in text:
        return text, []
    size = len(text)
    out: list[str] = []
    out_len = 0  # characters in ``out``, to slice link text for <a> without href
    utf16 = 0
    entities: list[Entity] = []
    stack: list[_Open] = []
    i = 0
    while i < size:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                out_len += 1
                utf16 += utf16_len(char)
                continue
            if strict:
                raise HtmlParseError(
                    f'Unescaped "&" at byte offset {_byte_offset(text, i)}: write it as &amp; '
                    "(sandbox strict mode; Telegram itself would show it literally)"
                )
        if c != "<":
            # Copy the whole run of plain text up to the next markup character at once.
            match = _SPECIAL.search(text, i + 1)
            end = match.start() if match else size
            chunk = text[i:end]
            out.append(chunk)
            out_len += len(chunk)
            utf16 += utf16_len(chunk)
            i = end
            continue

        begin = i
        i += 1
        if i >= size or text[i] != "/":
            i = _parse_start_tag(text, begin, i, stack, utf16, out_len)
            continue

        i = _parse_end_tag(text, begin, i + 1, stack, utf16, out, entities)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e.offset, -e.length))
    return "".join(out), entities


def _parse_end_tag(
    text: str,
    begin: int,
    i: int,
    stack: list[_Open],
    utf16: int,
    out: list[str],
    entities: list[Entity],
) -> int:
    """``</tag>`` at ``begin`` (``i`` just past the slash): close the innermost tag."""
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    size = len(text)
    name_start = i
    while i < size and text[i] not in _SPACES and text[i] != ">":
        i += 1
    end_name = text[name_start:i].lower()
    while i < size and text[i] in _SPACES:
        i += 1
    if i >= size or text[i] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    i += 1
    opened = stack.pop()
    if end_name and end_name != opened.tag:
        raise HtmlParseError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{opened.tag}>", found "</{end_name}>"'
        )
    length = utf16 - opened.utf16_offset
    if length > 0:
        inner = "".join(out)[opened.text_offset :] if opened.tag == "a" else ""
        entity = _make_entity(opened, length, inner, entities)
        if entity is not None:
            entities.append(entity)
    return i


def _parse_start_tag(
    text: str, begin: int, i: int, stack: list[_Open], utf16: int, out_len: int
) -> int:
    size = len(text)
    while i < size and text[i] not in _SPACES and text[i] != ">":
        i += 1
    at = _byte_offset(text, begin)
    if i >= size:
        raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
    tag = text[begin + 1 : i].lower()
    if tag not in _TAGS:
        raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
    argument = ""
    while i < size and text[i] != ">":
        while i < size and text[i] in _SPACES:
            i += 1
        if i < size and text[i] == ">":
            break
        argument, i = _attribute(text, i, tag, at, argument)
    if tag == "span" and argument != "spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    stack.append(_Open(tag, argument, utf16, out_len, at))
    return i + 1


def _attribute(text: str, i: int, tag: str, at: int, argument: str) -> tuple[str, int]:
    """One ``name=value`` of a start tag at ``i``: the tag's argument so far, and where the
    attribute ends."""
    size = len(text)
    attr_start = i
    while i < size and text[i] not in _SPACES and text[i] not in "=>":
        i += 1
    attr = text[attr_start:i].lower()
    if not attr:
        raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
    while i < size and text[i] in _SPACES:
        i += 1
    if i >= size or text[i] != "=":
        if tag == "blockquote" and attr == "expandable":
            return "1", i
        raise HtmlParseError(
            "Expected equal sign in declaration of an attribute of the tag "
            f'"{tag}" at byte offset {at}'
        )
    i += 1
    while i < size and text[i] in _SPACES:
        i += 1
    if i >= size:
        raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
    value, i = _attribute_value(text, i, at)
    return _argument(tag, attr, value, argument), i


def _attribute_value(text: str, i: int, at: int) -> tuple[str, int]:
    """An attribute value at ``i``: a bare name token or a quoted string with entities."""
    size = len(text)
    if text[i] not in "'\"":
        token_start = i
        while i < size and text[i] in _NAME_TOKEN:
            i += 1
        if i >= size or (text[i] not in _SPACES and text[i] != ">"):
            raise HtmlParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(text, token_start)}"
            )
        return text[token_start:i].lower(), i
    value_parts: list[str] = []
    quote = text[i]
    i += 1
    while i < size and text[i] != quote:
        if text[i] == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                value_parts.append(decoded[0])
                i = decoded[1]
                continue
        value_parts.append(text[i])
        i += 1
    if i >= size:
        raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
    return "".join(value_parts), i + 1


def _argument(tag: str, attr: str, value: str, argument: str) -> str:
    """What an attribute adds to its tag (the link, the language...); others are ignored."""
    if tag == "a" and attr == "href":
        return value
    if tag == "code" and attr == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attr == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attr == "emoji-id":
        return value
    if tag == "blockquote" and attr == "expandable":
        return "1"
    return argument


def _make_entity(opened: _Open, length: int, inner: str, entities: list[Entity]) -> Entity | None:
    tag, arg, offset = opened.tag, opened.argument, opened.utf16_offset
    simple = _SIMPLE_TYPES.get(tag)
    if simple is not None:
        return Entity(simple, offset, length)
    if tag == "tg-emoji":
        if not arg.isdigit() or int(arg) >= 2**63:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        return Entity("custom_emoji", offset, length, custom_emoji_id=arg)
    if tag == "code":
        return Entity("code", offset, length, language=arg or None)
    if tag == "pre":
        # <pre><code class="language-x"> is one "pre" entity with a language.
        if entities:
            last = entities[-1]
            if (
                last.type == "code"
                and last.offset == offset
                and last.length == length
                and last.language
            ):
                entities.pop()
                return Entity("pre", offset, length, language=last.language)
        return Entity("pre", offset, length)
    if tag == "blockquote":
        return Entity("expandable_blockquote" if arg else "blockquote", offset, length)
    # tag == "a"
    target = arg or inner
    match = re.fullmatch(r"tg://user\?id=(\d+)", target)
    if match:
        return Entity("text_mention", offset, length, user_id=int(match.group(1)))
    url = _normalize_url(target)
    if url is None:
        return None
    return Entity("text_link", offset, length, url=url)


def render_html_as_text(html: str) -> str:
    """What a user sees for a Telegram-HTML string: tags dropped, entities decoded.

    Falls back to a forgiving strip for text Telegram would reject, so a debug view
    never crashes on the very input it is meant to help debug.
    """
    try:
        return parse_html(html)[0]
    except HtmlParseError:
        return _stdlib_html.unescape(re.sub(r"</?[A-Za-z][^>]*>", "", html))


def html_error(text: str) -> str | None:
    """None when Telegram would accept `text` as HTML (a bare '&' refused too), else why not."""
    try:
        parse_html(text, strict=True)
    except HtmlParseError as exc:
        return str(exc)
    # Telegram takes <a>text</a> as a link to its own text; in content that is a mistake.
    for match in _LINK_START.finditer(text):
        if not _HREF.search(match.group(1) or ""):
            return "<a> needs an href"
    return None


def visible_text(text: str) -> str:
    """The text as the person sees it: tags removed, entities decoded."""
    return render_html_as_text(text)


def visible_length(text: str) -> int:
    """Telegram counts UTF-16 code units after entity parsing."""
    return utf16_len(visible_text(text))


def escape(text: str) -> str:
    return _stdlib_html.escape(text, quote=False)
