"""Who acted and who a command names, as the core's `Actor`s: names and zones from the
workspace's directory (`users.info`; `users.list` for a plain `@name`)."""

from __future__ import annotations

import logging
import re

from bot.slack.adapter import PLATFORM
from bot.slack.web import Directory, SlackUser
from handlers.contract.incoming import Actor
from handlers.contract.messages import Address

log = logging.getLogger(__name__)

_ESCAPED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_PLAIN_MENTION = re.compile(r"(?<![<\w])@([A-Za-z0-9][\w.\-]{0,79})")


async def actor_of(directory: Directory, team: str, user_id: str, fallback_name: str = "") -> Actor:
    """Who acted: their name and zone from `users.info`, or what the payload said if that fails."""
    try:
        user = await directory.user(team, user_id, fallback_name)
    except Exception:  # users.info down: act on what we have, the zone stays as stored
        log.warning("users.info failed for %s/%s", team, user_id, exc_info=True)
        user = SlackUser(user_id=user_id, display_name=fallback_name or user_id, tz=None)
    return Actor(address=Address(PLATFORM, team, user_id), display_name=user.display_name, tz=user.tz)


async def mentioned_in(directory: Directory, team: str, text: str) -> tuple[tuple[Address, ...], tuple[Actor, ...]]:
    """People named in a command, in order: escaped `<@U123|name>` and plain `@name`."""
    found: list[tuple[int, str, str]] = [(m.start(), m.group(1), m.group(2) or "") for m in _ESCAPED_MENTION.finditer(text)]
    for m in _PLAIN_MENTION.finditer(text):
        try:
            user = await directory.find_by_name(team, m.group(1))
        except Exception:
            log.warning("users.list failed in %s", team, exc_info=True)
            user = None
        if user is not None:
            found.append((m.start(), user.user_id, user.display_name))
    actors = [await actor_of(directory, team, user_id, name) for _, user_id, name in sorted(found)]
    return tuple(a.address for a in actors), tuple(actors)
