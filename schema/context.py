"""The typed ``info`` every field function receives."""

from __future__ import annotations

from typing import TypeAlias

import strawberry

from resolvers.context import RequestContext

Info: TypeAlias = strawberry.Info[RequestContext, None]
