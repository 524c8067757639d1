"""A query's rows as a pandas table, from either engine's connection (pandas reads only sqlite3's itself)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def read_frame(sql: str, conn: Any, params: Sequence[Any] = ()) -> pd.DataFrame:
    """What `pd.read_sql_query(sql, conn, params=params)` gives for an sqlite3 connection (the same records, the
    same columns, numbers coerced to floats where pandas would), for the workspace's connection on either engine."""
    cursor = conn.execute(sql, tuple(params))
    columns = [d[0] for d in cursor.description] if cursor.description else []
    return pd.DataFrame.from_records(cursor.fetchall(), columns=columns, coerce_float=True)
