"""PostgreSQL helpers shared by the benchmarks: each one works on its own database, which it
creates when it is missing, so that every documented command runs on a fresh machine."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql


def admin_connection(url: str) -> Any:
    """An autocommit connection to the maintenance database of the server `url` points at."""
    parts = urlparse(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def drop_database(url: str) -> None:
    """Drop the database of `url` (if it exists), ending its sessions first."""
    name = database_name(url)
    conn = admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
            )
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the database of `url` if it does not exist; with `fresh`, drop it first."""
    if not url.startswith("postgres"):
        raise SystemExit(f"This benchmark runs on PostgreSQL; the database URL is {url!r}.")
    if fresh:
        drop_database(url)
    name = database_name(url)
    conn = admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}", flush=True)
    finally:
        conn.close()
