"""Teams adapter tests: Bot Framework activities over HTTP against a fake connector."""
