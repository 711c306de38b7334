"""Whether a JSON body is shaped like a Telegram update: the fields python-telegram-bot and the
handlers read have the types Telegram gives them. PTB builds its objects without checking types,
so a body with, say, a number where the text should be would fail deep inside a handler; the
webhook refuses it at the door instead."""

from __future__ import annotations

from typing import Any

# The type of every field the bot reads, wherever in an update it appears.
FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "update_id": int,
    "message_id": int,
    "date": int,
    "edit_date": int,
    "text": str,
    "caption": str,
    "data": str,
    "type": str,
    "offset": int,
    "length": int,
    "title": str,
    "first_name": str,
    "last_name": str,
    "username": str,
    "language_code": str,
    "is_bot": bool,
    "file_id": str,
    "file_unique_id": str,
    "file_name": str,
    "file_size": int,
    "mime_type": str,
    "migrate_to_chat_id": int,
    "migrate_from_chat_id": int,
    "chat_instance": str,
    "inline_message_id": str,
    "game_short_name": str,
    "status": str,
    "query": str,
    "latitude": (int, float),
    "longitude": (int, float),
}
# Fields that hold an object, and fields that hold a list of objects.
OBJECTS = {
    "message", "edited_message", "channel_post", "edited_channel_post", "callback_query", "inline_query",
    "my_chat_member", "chat_member", "chat", "from", "sender_chat", "reply_to_message", "document",
    "location", "old_chat_member", "new_chat_member", "user", "reply_markup",
}  # fmt: skip
LISTS = {"entities", "caption_entities", "inline_keyboard"}
# The type of `id` in the object a field holds: whole numbers for chats and people, strings for queries.
ID_TYPES: dict[str, type] = {
    "chat": int, "from": int, "sender_chat": int, "user": int, "callback_query": str, "inline_query": str,
}  # fmt: skip


def shaped_like_an_update(body: Any) -> bool:
    """Whether a parsed body is an object with a whole-number update_id whose known fields all have
    Telegram's types (walked without recursion, so any depth is safe)."""
    if not isinstance(body, dict) or type(body.get("update_id")) is not int:
        return False
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        held_by, node = stack.pop()
        if isinstance(node, list):
            stack.extend((held_by, item) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        if "id" in node and held_by in ID_TYPES and not _is(node["id"], ID_TYPES[held_by]):
            return False
        for key, value in node.items():
            if not _fits(key, value):
                return False
            if isinstance(value, dict | list):
                stack.append((key, value))
    return True


def _fits(key: str, value: Any) -> bool:
    """Whether one field's value has the type Telegram gives it (bool is not a number here)."""
    if key in OBJECTS:
        return isinstance(value, dict)
    if key in LISTS:
        return isinstance(value, list)
    expected = FIELD_TYPES.get(key)
    return expected is None or _is(value, expected)


def _is(value: Any, expected: type | tuple[type, ...]) -> bool:
    """isinstance, except that True and False are not numbers."""
    if isinstance(value, bool) and expected is not bool:
        return False
    return isinstance(value, expected)
