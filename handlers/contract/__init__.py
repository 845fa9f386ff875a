"""The neutral contract between the core and every chat platform: what an adapter hands the core, what it gets back, and the ports the core needs."""
