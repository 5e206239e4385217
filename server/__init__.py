"""Process-level plumbing: settings, database engine, ASGI app and command line."""
