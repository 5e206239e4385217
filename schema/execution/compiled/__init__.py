"""Compiled documents: a known document answered by a few SQL statements and a generated
assembly of their rows, without graphql-core's executor, ORM instances or a task per field.

The parts, in the order a request meets them:

- ``sources``: the SQL behind each GraphQL object type the compiler covers (its table,
  which rows a caller may see, and for each field a column, a value computed from
  columns, an object on the same row, a to-one join or a nested list). The one place,
  with ``roots``, that writes SQL for documents.
- ``roots``: the root fields the compiler covers, each turning its arguments into the
  conditions, order and page of one statement.
- ``compiler``: a document and an operation into a ``CompiledOperation`` (or the reason
  it cannot be compiled), once per document text.
- ``statements``: SQLAlchemy Core turned into SQL text once per dialect and variant, and
  run on the driver's connection with the same bind and result conversions the ORM uses.
- ``selections`` (with ``connections`` for pages): the fetches a selection needs, and the
  Python generated once per selection that turns their rows into the response, every
  value written exactly as the schema writes it (``values``).
- ``service``: which documents are compiled, and answering a request with one; anything
  the compiled path does not answer exactly (a refused role, a bad argument, a null the
  schema forbids) is handed back to standard execution, which answers it.
"""
