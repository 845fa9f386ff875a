"""Hypothesis strategies for text a person (or a broken client) might send the bot.

`nasty_text` mixes the words the bot reads (markers, days, times, command verbs) with what
tends to break readers: digits `str.isdigit()` accepts but `int()` refuses ('²'), other
scripts' digits ('١٢', fullwidth '１'), huge numbers, dates off the calendar, markup
(HTML, Slack's mrkdwn and mentions, Teams' `<at>`), SQL-looking text, control characters,
lone surrogates, empty and very long (100 KB) texts.
"""

from __future__ import annotations

from hypothesis import strategies as st

UNICODE_DIGITS = ["١٢", "٣٠", "²", "³", "¹", "１", "１２", "߀", "৩", "⑤", "Ⅻ", "½", "𝟗", "〇", "٠٠:٣٠", "²:30", "1²"]
HUGE_NUMBERS = [str(10**30), "-" + str(10**30), "9" * 400, "1e309", "NaN", "inf", "-1", "0", "00", "#0", "#" + str(10**20)]
FAR_DATES = [
    "by 9999-12-31", "by year 3000", "by 3000", "by 10000-01-01", "by 0001-01-01", "before 0001-01-01",
    "by 0000-00-00", "by 31/12/9999", "until 31 Dec 9999", "in 99999999999 days", f"in {10**30} weeks",
    "by 2026-02-30", "by 2026-13-45", "by 12/31/9999 at 25:61", "in -3 days", "by the 32nd",
]
MARKUP = [
    "<script>alert(1)</script>", "*bold*", "_italic_", "~strike~", "`code`", "```\nblock\n```", "> quote",
    "<@U1>", "<@U1|mona>", "<@W9|x>", "<!channel>", "<!here>", "<!everyone>", "<#C1|general>",
    "<https://example.invalid|click>", "&lt;&gt;&amp;", "<at>Mona</at>", "<at></at>", "@dana", "@", "@@",
]
SQL = ["'; DROP TABLE person; --", "' OR '1'='1", '" OR 1=1 --', "%", "_%_", "\\", "NULL", "); DELETE FROM commitment; --"]
CONTROL = ["\x00", "\x07", "\x08", "\x1b[31m", "\r\n", "\t", "\x0b", "\x0c", "\u200b", "\u202e", "\ufeff", "\u2028",
           "\ud800", "\udfff", "\ud83d", "\U0010ffff", "\ufffd"]
PUNCTUATION = list(".,;:!?-–—/\\#@&*()[]{}'\"`~^%$|<>") + ["...", "!!", "??", "—", "“", "”"]
WORDS = [
    "by", "before", "due", "on", "until", "no later than", "in", "every", "each", "daily", "weekly", "a day",
    "weekday", "weekdays", "week", "Friday", "fri", "Mondays", "Mon-Fri", "next", "this", "tomorrow", "today",
    "eod", "end of month", "at", "5pm", "17:15", "9.30", "noon", "after", "misses", "in a row", "never",
    "tell", "my manager", "straight", "facts", "encouraging", "remind me later", "ask me what got in the way",
    "first miss", "nudge", "ping", "20", "calls", "send", "Acme", "the proposal", "2026-12-04", "Dec 4", "3 days",
]
COMMAND_WORDS = [
    "commit", "/commit", "accountability", "help", "terms", "list", "done", "drop", "edit", "pause", "pause until",
    "resume", "manager", "team", "digest", "digest off", "digest on", "digest friday", "timezone", "holidays",
    "holidays off",
]
SPECIALS = UNICODE_DIGITS + HUGE_NUMBERS + FAR_DATES + MARKUP + SQL + CONTROL + PUNCTUATION

any_character = st.characters(codec=None, exclude_categories=())
"""Every code point Python can hold in a str, lone surrogates included."""

piece = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(SPECIALS),
    st.sampled_from(COMMAND_WORDS),
    st.integers(min_value=-(10**31), max_value=10**31).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.text(any_character, max_size=6),
)

LONGEST = 100_000
"""Characters: more than any chat client sends in one message (Slack cuts at 40,000)."""

long_text = st.builds(
    lambda unit, times: ((unit + " ") * times)[:LONGEST],
    st.one_of(st.sampled_from(WORDS + SPECIALS + COMMAND_WORDS), st.text(any_character, min_size=1, max_size=4)),
    st.integers(min_value=50, max_value=20_000),
)
"""Repetitions up to about 100 KB: cheap to make, and the shape adversarial input takes."""

HUGE_TEXTS = ["", " ", "\n\t ", "x" * 100_000, "by " * 34_000, "on " * 170, "by friday " * 10_000, "١" * 600]

nasty_text = st.one_of(
    st.lists(piece, max_size=25).map(" ".join),
    st.lists(piece, max_size=12).map("".join),
    st.text(any_character, max_size=80),
    long_text,
    st.sampled_from(HUGE_TEXTS),
)
"""Any text a person might type, or a broken client might send."""

WHEN = ["every weekday", "daily", "every week", "on Mondays and Fridays", "by Friday", "by 2026-12-04", "by tomorrow",
        "in 3 days", "by end of month", "before Dec 24"]

commitment_text = st.tuples(st.lists(piece, min_size=1, max_size=6).map(" ".join), st.sampled_from(WHEN)).map(" ".join)
"""Any words followed by a schedule the reader knows, so the odd words reach the database as a title."""

command_text = st.one_of(
    nasty_text,
    commitment_text,
    st.tuples(st.sampled_from(COMMAND_WORDS), nasty_text).map(" ".join),
)
"""Text that often starts with a command word or ends with a schedule, so the verbs' own readers
and the paths that save get fuzzed too."""
