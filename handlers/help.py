"""The help text: every command, with an example."""

from __future__ import annotations

from handlers.contract.outcomes import Result

HELP = """Here's what I understand:
• `/commit 20 calls every weekday`, `/commit send Acme the proposal by Friday`: log a commitment
• `/accountability`: your terms, your commitments, and everything your manager was told
• `/accountability terms`: answer the two questions again to change your terms
• `/accountability list`, `done N`, `drop N`, `edit N TEXT`, `pause N`, `resume N`
• `/accountability pause until DATE`, `/accountability resume`: out of office
• `/accountability timezone Europe/Berlin`: your time zone (check-ins and digests follow it)
• `/accountability holidays DE BY`, `holidays off`: public holidays as days off
• `/accountability manager @name`: name your accountability partner
• `/accountability team`, `/accountability digest`: for managers, your reps at a glance
• `/accountability digest weekly friday 16:00` (or `daily 08:30`, `every 2 weeks monday 9:00`), `digest off`, `digest on`: when your digest comes
• `/accountability kudos @rep NOTE`: for managers, send a rep kudos (or click "Send kudos" on a win)
• `/commit @rep TEXT`: for managers, log a commitment from a coaching session for a rep to accept
• `/accountability coach @rep`: for managers, record a coaching session; its actions go to the rep to accept
• `/accountability practice @rep SKILL`: for managers, ask a rep to practise one skill; they answer in their own time
• `/accountability sessions`, `sessions @rep`: the coaching sessions on record and their actions
• `/accountability export`: everything I've stored about you, as a file in our direct messages
• `/accountability forget`: delete everything I've stored about you (after you confirm)
• `/accountability dashboard`: a sign-in link to your web dashboard, in our direct messages
In Teams, or in a direct message, type the same without the slash: `commit 20 calls every weekday`, `list`, `done 2`."""


def help_text(prefix: str = "") -> Result:
    return Result().reply((prefix + "\n" if prefix else "") + HELP)
