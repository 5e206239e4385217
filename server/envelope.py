"""The HTTP envelope of a GraphQL request (GraphQL over HTTP): the media type of the
answer, the request's parameters checked, and request errors as GraphQL responses.

A request that is not a well-formed GraphQL-over-HTTP request (a body that is not JSON,
a ``query`` that is not a string, ``variables`` that are not an object, a mutation over
GET...) is answered with a JSON GraphQL response holding one error with a code, and a
4xx status. Accepting ``application/graphql-response+json`` (as Apollo Client 4 and
graphql-http do) also makes the GraphQL request errors (syntax, validation, variables,
documents refused before execution) 400s without ``data``; with ``application/json`` they
stay 200s, as that media type's clients expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.responses import Response

from schema.execution.request_errors import BAD_REQUEST_CODE

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
METHOD_NOT_ALLOWED_CODE = "METHOD_NOT_ALLOWED"
UNSUPPORTED_MEDIA_TYPE_CODE = "UNSUPPORTED_MEDIA_TYPE"


@dataclass
class RequestError(Exception):
    """A request refused before any document is looked at, with its HTTP status."""

    message: str
    status: int = 400
    code: str = BAD_REQUEST_CODE
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def error(self) -> GraphQLError:
        return GraphQLError(self.message, extensions={"code": self.code})


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the Accept header asks for it at least as
    much as for ``application/json``; ``application/json`` otherwise (no Accept, ``*/*``)."""
    if not accept:
        return JSON
    qualities: dict[str, float] = {}
    for item in accept.split(","):
        media, *parameters = item.split(";")
        media = media.strip().lower()
        qualities[media] = max(qualities.get(media, 0.0), _quality(parameters))
    wanted = qualities.get(GRAPHQL_RESPONSE_JSON, 0.0)
    if wanted > 0 and wanted >= qualities.get(JSON, 0.0):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


def request_error_response(error: RequestError, media_type: str) -> Response:
    """The GraphQL response to a request error: no ``data``, one error with its code."""
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
    return Response(
        orjson.dumps(body),
        status_code=error.status,
        headers={**error.headers, "content-type": content_type(media_type)},
    )


def is_request_error(data: object, errors: list[GraphQLError] | None) -> bool:
    """Whether a result is a request error: no data, and no error raised by a field."""
    return data is None and bool(errors) and all(error.path is None for error in errors or ())


async def document_id_of(request: AsyncHTTPRequestAdapter) -> str | None:
    """The ``documentId`` of a request for a persisted document, if it has one (the query
    string of a GET, the JSON body of a POST)."""
    if request.method == "GET":
        value: object = request.query_params.get("documentId")
    else:
        body = await request.get_body()
        if b"documentId" not in body:
            return None
        parsed = orjson.loads(body)
        value = parsed.get("documentId") if isinstance(parsed, dict) else None
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError("`documentId` must be a string.")
    return value


def persisted_query(document_id: str) -> dict[str, object]:
    """A ``documentId`` as Apollo's persisted-query extension."""
    return {"persistedQuery": {"version": 1, "sha256Hash": document_id}}


def check_parameters(
    query: object, operation_name: object, variables: object, extensions: object
) -> None:
    """Refuse parameters of the wrong JSON type (RequestError, 400)."""
    if not isinstance(query, str | None):
        raise RequestError("`query` must be a string.")
    if not isinstance(operation_name, str | None):
        raise RequestError("`operationName` must be a string or null.")
    if not isinstance(variables, dict | None):
        raise RequestError("`variables` must be an object or null.")
    if not isinstance(extensions, dict | None):
        raise RequestError("`extensions` must be an object or null.")
