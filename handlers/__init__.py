"""What the bot does, platform-neutral: conversations and the pure rules behind them.

Nothing here imports a chat SDK or the scheduler library (tests/test_layering.py checks).
"""
