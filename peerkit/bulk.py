"""Many rows in one PostgreSQL statement whose text never changes with their number."""

import datetime as dt
import json

from sqlalchemy import JSON, Table, Text, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql


def json_rows(table: Table, names: tuple[str, ...], parameter: str):
    """PostgreSQL: `SELECT <names> FROM json_populate_recordset(NULL::<table>, :parameter)`,
    the rows of the JSON text bound to `parameter` as rows of `table`'s own type.

    For writing many rows in one statement whose text never changes with their number: a
    multi-row VALUES list has a placeholder per field, so its text grows with the rows and
    the driver parses it afresh each time; an array per column keeps the text fixed, but
    the driver builds each array element by element in Python. One JSON text (`json_text`)
    is one string to send, parsed in C; the database casts each field to its column.
    """
    quoted = postgresql.dialect().identifier_preparer.quote(table.name)
    source = func.json_populate_recordset(
        literal_column(f"NULL::{quoted}"), cast(bindparam(parameter, type_=Text), JSON)
    )
    rows = source.table_valued(*names).alias(f"{table.name}_rows")
    return select(*(rows.c[name] for name in names))


def _json_value(value):
    # Dates and times as ISO text, which PostgreSQL reads back into its column types.
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def json_text(rows: list[dict]) -> str:
    """`rows` as the JSON text `json_rows` reads."""
    return json.dumps(rows, default=_json_value, separators=(",", ":"))
