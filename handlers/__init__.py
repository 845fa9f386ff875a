"""The core: what the bot does, platform-neutral. `contract/` is what platforms hand it and get
back, `rules/` the pure rules, `pipeline.deliver` the one entry every platform calls.

It imports no platform, scheduler, SDK, web framework or SQL toolkit; it reaches the database
only through `storage.store` (tests/test_layering.py checks).
"""
