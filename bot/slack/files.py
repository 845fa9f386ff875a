"""Files a person shared with the bot in its direct message (a `message` event of subtype
`file_share`), as neutral `SharedFile`s: the name, the media type and the file's link."""

from __future__ import annotations

from typing import Any

from handlers.contract.incoming import SharedFile

FILE_SHARE = "file_share"


def _text(data: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def shared_files(event: dict[str, Any]) -> tuple[SharedFile, ...]:
    """The readable files of a message event (each needs a link); the rest are left out."""
    files = event.get("files")
    found = []
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict):
            continue
        url = _text(item, "permalink", "url_private")
        if url:
            name = _text(item, "name", "title") or "a file"
            found.append(SharedFile(name, _text(item, "mimetype") or "application/octet-stream", url))
    return tuple(found)


def from_the_bot(body: dict[str, Any], event: dict[str, Any]) -> bool:
    """A message the bot itself caused (a file it shared, e.g. a data export): Slack names the
    bot's own user among the event's authorizations."""
    user = event.get("user")
    authorizations = body.get("authorizations")
    return bool(user) and isinstance(authorizations, list) and any(
        isinstance(a, dict) and a.get("is_bot") and a.get("user_id") == user for a in authorizations
    )
