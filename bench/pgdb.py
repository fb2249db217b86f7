"""PostgreSQL helpers shared by the benchmarks: each one works on its own database, which it
creates when it is missing, so that every documented command runs on a fresh machine.

URLs are given to psycopg2 as they are (it decodes them, keeps options such as sslmode and
reads a socket directory in the host); only the database name is swapped for the server's
maintenance database ``postgres`` when the target must be created or dropped."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def admin_connection(url: str) -> Any:
    """An autocommit connection to the maintenance database of the server `url` points at."""
    conn = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    conn.autocommit = True
    return conn


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
    else:
        try:
            psycopg2.connect(url).close()
            return  # it exists (and the role may use it, whatever it may do elsewhere)
        except psycopg2.OperationalError:
            pass  # missing, or another failure: the server's catalogue tells which, below
    name = database_name(url)
    conn = admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is not None:
                psycopg2.connect(url).close()  # it exists: report why it cannot be used
                return
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}", flush=True)
    finally:
        conn.close()
