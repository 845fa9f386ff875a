"""Rendering neutral messages as console text, with buttons numbered for typing."""

from __future__ import annotations

from collections.abc import Callable

from handlers.contract.messages import Button, Message


def render(recipient: str, message: Message, number_button: Callable[[Button], int], updated: bool = False) -> str:
    """`bot → NAME: text`; further lines indented; buttons as `[3] Yes  [4] No` under their section."""
    lines: list[str] = []
    for section in message.sections:
        lines.extend(section.text.split("\n"))
        if section.buttons:
            lines.append("  ".join(f"[{number_button(b)}] {b.label}" for b in section.buttons))
    head = f"bot → {recipient}{' (updated)' if updated else ''}: "
    return "\n".join([head + lines[0], *("    " + line for line in lines[1:])])
