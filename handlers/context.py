"""What every handler is given: the store and the clock (built in app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.contract.ports import Clock
from handlers.dashboard_sign_in import SignInLinks
from storage.store import Store


@dataclass(frozen=True)
class Context:
    store: Store
    clock: Clock
    forms: bool = False
    """The platform can show forms (Slack modals, Adaptive Cards), so the terms are asked in one."""
    sign_in: SignInLinks | None = None
    """Makes the web dashboard's sign-in links (`/accountability dashboard`); None: the dashboard is off."""
