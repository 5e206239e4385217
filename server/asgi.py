"""The ASGI entry point for uvicorn: ``uvicorn server.asgi:app``."""

import gc

from server.app import create_app

app = create_app()

# What exists now (modules, the schema, settings) lives as long as the process: keep it out
# of every garbage collection. And collect the young generation less often: a request
# allocates tens of thousands of short-lived objects, and frequent collections that find
# little to free were most of the latency tail (NOTES.md).
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
