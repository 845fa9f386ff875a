"""Reading Slack payloads as bolt hands them over: string fields, who acted and where, a
submitted modal's values. Nothing here trusts a field to have the shape Slack documents."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.slack import blocks as bk
from handlers.contract.messages import FormValue

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def text_of(data: object, key: str) -> str:
    """A string field of a payload object; "" when the object or the field is missing or not a
    string. A lone surrogate (JSON can carry one; no UTF-8 text can) becomes U+FFFD."""
    value = data.get(key) if isinstance(data, dict) else None
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else ""


def team_of(body: dict[str, Any]) -> str:
    """The workspace a payload comes from, wherever its kind of payload says it; "" if it doesn't."""
    return (text_of(body.get("team"), "id") or text_of(body, "team") or text_of(body.get("user"), "team_id")
            or text_of(body, "team_id") or text_of(body, "enterprise_id"))


def clicker_of(body: dict[str, Any]) -> tuple[str, str, str] | None:
    """(team, user id, user name) of the person behind an interactivity payload, or None if it doesn't say."""
    user = body.get("user")
    team, user_id = team_of(body), text_of(user, "id")
    if not team or not user_id:
        return None
    return team, user_id, text_of(user, "name") or text_of(user, "username")


def submitted_values(view: dict[str, Any]) -> dict[str, FormValue] | None:
    """A submitted modal's values (`blocks.submitted_values`), or None if its `state` is missing or
    not shaped as Slack sends it, so a form is never half read."""
    state = view.get("state")
    if not isinstance(state, dict) or not isinstance(state.get("values"), dict):
        return None
    try:
        return bk.submitted_values(view)
    except (AttributeError, KeyError, TypeError):  # a block, an input or an option that is not an object
        return None


def responder(respond: Any) -> Any:
    """bolt's `respond`, or None (we DM instead) when the payload had no `response_url` for it to answer on."""
    return None if isinstance(respond, AsyncRespond) and not respond.response_url else respond
