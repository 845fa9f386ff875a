"""The browser tests' fixtures (`serving`, `served`, `browser`) and their screenshots on
failure, from tests/web/browser_world.py."""

from tests.web.browser_world import (  # noqa: F401  (pytest finds fixtures and hooks by name here)
    _pages_of_this_test,
    browser,
    pytest_runtest_makereport,
    served,
    serving,
)
