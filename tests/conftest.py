"""Shared pytest fixtures: databases for the storage tests.

SQLite is the embedded default and PostgreSQL is the production store, so
storage tests run against both (``database_url`` is parametrised with the ids
``sqlite`` and ``postgresql``).

PostgreSQL comes from one of two places:

* ``TEST_DATABASE_URL`` (for example ``postgresql+asyncpg://user@host:5432/db``
  or plain ``postgresql://...``): an existing server; the user must be allowed
  to create and drop databases.
* otherwise a throwaway cluster started for the test session from the Debian
  packages' binaries (``/usr/lib/postgresql/15/bin`` by default; ``PG_BIN``
  overrides). As root, the server runs as the ``postgres`` user via
  ``runuser``, because PostgreSQL refuses to run as root.

If PostgreSQL cannot be started the tests that need it fail with the server's
log: they are never skipped, since a skipped test proves nothing.

Each test that asks for a PostgreSQL database gets a fresh, uniquely named,
empty one, dropped afterwards.

This module deliberately imports no application code: only the standard
library, pytest, asyncpg and SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

T = TypeVar("T")

DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"
POSTGRES_OS_USER = "postgres"
START_ATTEMPTS = 3


# --------------------------------------------------------------------------
# markers


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``postgresql`` marker (the project uses --strict-markers)."""
    config.addinivalue_line(
        "markers",
        "postgresql: needs a PostgreSQL server (deselect with -m 'not postgresql')",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that use the PostgreSQL fixtures directly."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "pg_server" in names or "pg_database_url" in names:
            item.add_marker(pytest.mark.postgresql)


# --------------------------------------------------------------------------
# helpers


@dataclass(frozen=True)
class PgServer:
    """A reachable PostgreSQL server and the admin URL to manage it."""

    admin_url: str
    """SQLAlchemy async URL of the admin database, e.g.
    ``postgresql+asyncpg://postgres@127.0.0.1:PORT/postgres``."""

    external: bool
    """True when the server came from ``TEST_DATABASE_URL``."""

    def url_for(self, database: str) -> str:
        """The SQLAlchemy async URL of another database on this server."""
        url = make_url(self.admin_url).set(database=database)
        return url.render_as_string(hide_password=False)

    def __str__(self) -> str:
        return self.admin_url


def normalise_pg_url(raw: str) -> str:
    """Turn ``postgresql://`` (or ``postgres://``, ``postgresql+psycopg://``...)
    into a ``postgresql+asyncpg://`` SQLAlchemy URL."""
    fixed = raw.strip()
    if fixed.startswith("postgres://"):
        fixed = "postgresql://" + fixed[len("postgres://"):]
    url = make_url(fixed)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"TEST_DATABASE_URL is not a PostgreSQL URL: {raw!r}")
    url = url.set(drivername="postgresql+asyncpg")
    if not url.database:
        url = url.set(database="postgres")
    return url.render_as_string(hide_password=False)


def _connect_kwargs(url: URL) -> dict[str, Any]:
    """asyncpg.connect() keyword arguments for a SQLAlchemy URL."""
    kwargs: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "database": url.database,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


def run_coroutine_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private loop in a helper thread.

    Sync fixtures use this so that they never touch (or replace) the event
    loop that pytest-asyncio gives the test.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _admin_execute(admin_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(**_connect_kwargs(make_url(admin_url)), timeout=30)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_bin_dir() -> Path:
    """Where initdb and pg_ctl live: PG_BIN, the Debian 15 path, any Debian
    version, pg_config, or PATH."""
    candidates: list[str] = []
    if os.environ.get("PG_BIN"):
        candidates.append(os.environ["PG_BIN"])
    candidates.append(DEFAULT_PG_BIN)

    def version_key(path: str) -> int:
        try:
            return int(Path(path).parent.name)
        except ValueError:
            return 0

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            candidates.append(
                subprocess.run(
                    [pg_config, "--bindir"], capture_output=True, text=True, check=True
                ).stdout.strip()
            )
        except (OSError, subprocess.CalledProcessError):
            pass
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise RuntimeError(
        "PostgreSQL binaries not found (looked in: "
        + ", ".join(dict.fromkeys(c for c in candidates if c))
        + "). Install them (`apt-get install postgresql-15`, which `bash scripts/test` does), "
        "set PG_BIN, or point TEST_DATABASE_URL at a running server."
    )


def _as_postgres(cmd: list[str]) -> list[str]:
    """Prefix a command so it runs as the postgres OS user when we are root."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root but `runuser` is missing; cannot start PostgreSQL")
    return [runuser, "-u", POSTGRES_OS_USER, "--", *cmd]


def _run(cmd: list[str], what: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"{what} failed to run: {' '.join(cmd)}: {exc}") from exc


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as exc:
        return f"(could not read {path}: {exc})"


@dataclass
class _Cluster:
    root: Path
    bin_dir: Path
    port: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "log"

    def init(self) -> None:
        if os.geteuid() == 0:
            try:
                pg = pwd.getpwnam(POSTGRES_OS_USER)
            except KeyError as exc:
                raise RuntimeError(
                    f"running as root but there is no `{POSTGRES_OS_USER}` user to run PostgreSQL as"
                ) from exc
            os.chown(self.root, pg.pw_uid, pg.pw_gid)
            # The temp dir's parent must let the postgres user through.
            parent = self.root.parent
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
        os.chmod(self.root, 0o700)
        result = _run(
            _as_postgres(
                [
                    str(self.bin_dir / "initdb"),
                    "-D", str(self.data),
                    "-A", "trust",
                    "-U", POSTGRES_OS_USER,
                    "-E", "UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            "initdb",
            self.root,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
            )

    def start(self) -> None:
        failures: list[str] = []
        for _ in range(START_ATTEMPTS):
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
            )
            result = _run(
                _as_postgres(
                    [
                        str(self.bin_dir / "pg_ctl"),
                        "-D", str(self.data),
                        "-o", options,
                        "-l", str(self.log),
                        "-w", "-t", "60",
                        "start",
                    ]
                ),
                "pg_ctl start",
                self.root,
            )
            if result.returncode == 0:
                return
            log = _read(self.log)
            failures.append(
                f"pg_ctl start on port {self.port} failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n--- server log ---\n{log}"
            )
            self.stop()
            if "could not bind" not in log and "already in use" not in log:
                break  # not a port race: retrying will not help
        raise RuntimeError("PostgreSQL could not be started:\n" + "\n".join(failures))

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        _run(
            _as_postgres(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            ),
            "pg_ctl stop",
            self.root,
        )


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole session: TEST_DATABASE_URL's, or a
    throwaway cluster on 127.0.0.1 that is stopped and deleted at the end."""
    external = os.environ.get("TEST_DATABASE_URL", "").strip()
    if external:
        yield PgServer(admin_url=normalise_pg_url(external), external=True)
        return

    bin_dir = _pg_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="followthrough-pg-"))
    cluster = _Cluster(root=root, bin_dir=bin_dir)
    try:
        cluster.init()
        cluster.start()
        server = PgServer(
            admin_url=f"postgresql+asyncpg://{POSTGRES_OS_USER}@127.0.0.1:{cluster.port}/postgres",
            external=False,
        )
        try:
            run_coroutine_blocking(_admin_execute(server.admin_url, "SELECT 1"))
        except Exception as exc:
            raise RuntimeError(
                f"PostgreSQL started but does not answer at {server.admin_url}: {exc!r}\n"
                f"--- server log ---\n{_read(cluster.log)}"
            ) from exc
        yield server
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_database_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty, uniquely named PostgreSQL database (its SQLAlchemy async
    URL), dropped after the test."""
    name = f"test_{uuid.uuid4().hex}"
    run_coroutine_blocking(
        _admin_execute(
            pg_server.admin_url,
            f"CREATE DATABASE {_quote_ident(name)} TEMPLATE template0 ENCODING 'UTF8'",
        )
    )
    try:
        yield pg_server.url_for(name)
    finally:
        run_coroutine_blocking(
            _admin_execute(
                pg_server.admin_url,
                f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)",
            )
        )


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    """A SQLite file database (not yet created) in the test's temp dir."""
    return f"sqlite+aiosqlite:///{tmp_path}/test.db"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """The test runs twice: on a SQLite file and on a fresh PostgreSQL
    database. The PostgreSQL server starts only when first needed."""
    fixture = "sqlite_database_url" if request.param == "sqlite" else "pg_database_url"
    return str(request.getfixturevalue(fixture))
