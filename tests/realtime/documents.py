"""The subscription documents of queries/, as the apps send them.

They run over websockets in this folder's tests, not over HTTP: ``DOCUMENTS`` (the
HTTP cases of tests/test_documents.py) is empty and ``LIVE_DOCUMENTS`` names them.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import QUERIES_DIR

DOCUMENTS: dict[str, Any] = {}
LIVE_DOCUMENTS = (
    "PackageRequestEvents.graphql",
    "MyAssignments.graphql",
    "NotificationAdded.graphql",
)

REQUEST_EVENTS, MY_ASSIGNMENTS, NOTIFICATION_ADDED = (
    (QUERIES_DIR / name).read_text() for name in LIVE_DOCUMENTS
)
