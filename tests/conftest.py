"""Shared fixtures: a real PostgreSQL server for the session (kiosk.store.pgserver), and
a `db_url` fixture parametrised over SQLite and PostgreSQL so the same tests run on both
databases; under CI=true no test may be skipped.

The fast loop runs on pytest-xdist workers (`-n auto` in pyproject's addopts, sized by
`pytest_xdist_auto_num_workers` below); every session fixture is per worker (its own
server, port and folders).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.store.pgserver import PostgresServer, free_port, pg_bindir

# Under CI (CI=true) nothing may be skipped: a missing browser, database, torch or data
# folder is a broken setup, and a green run must not hide it.
STRICT = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _strict(report: pytest.TestReport | pytest.CollectReport) -> None:
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true (a test dependency is missing): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    _strict(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    _strict(outcome.get_result())


_pg_bindir = pg_bindir
_free_port = free_port

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
# Each worker collects the whole suite (~10 s of CPU) and starts its own servers: past a
# handful of workers that costs more than it saves.
MAX_WORKERS = 8
# The slow end-to-end tests drive real-time simulated cameras, a gunicorn kiosk and
# Chromium, and a walk measured while it is recorded needs about this many CPUs to keep
# up; a run that includes them gets one worker per that many CPUs (on 2 CPUs: one process,
# as a worker beside them would starve the capture and fail the walk).
CPUS_PER_END_TO_END_WORKER = 4


def _cpu_budget() -> int:
    """The CPUs this process may run on: its affinity mask, capped by a cgroup v2 quota (a
    container limited to 2 CPUs on a 64-CPU host still sees 64 in its mask)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = count or 1
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return count


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: the fast loop (`-m "not slow"`) gets one worker per CPU; a run with the
    slow end-to-end tests one per CPUS_PER_END_TO_END_WORKER CPUs; at most MAX_WORKERS,
    and none (one process) where that is a single worker or the command names single tests
    (`file.py::test`). PYTEST_XDIST_AUTO_NUM_WORKERS still overrides."""
    env = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if env:
        return int(env)
    if config.args and all("::" in arg for arg in config.args):
        return 0
    cpus = _cpu_budget()
    if "not slow" not in " ".join((config.option.markexpr or "").split()):
        cpus //= CPUS_PER_END_TO_END_WORKER
    workers = min(cpus, MAX_WORKERS)
    return workers if workers > 1 else 0


# The test server's files go to memory where the machine has room: each test makes its own
# database (~8 MB of files), and on a shared disk creating and removing them cost more than
# the tests themselves (30 databases: 2 s on tmpfs, 6-17 s on disk). Durability is not what
# these tests examine (the server runs with fsync off).
SHM_DIR = Path("/dev/shm")
SHM_MIN_FREE_BYTES = 2 * 1024**3


def _pg_root_parent() -> str | None:
    """/dev/shm when it is writable with room to spare, else the default temporary folder."""
    try:
        if os.access(SHM_DIR, os.W_OK) and shutil.disk_usage(SHM_DIR).free > SHM_MIN_FREE_BYTES:
            return str(SHM_DIR)
    except OSError:
        pass
    return None


# The test files that import torch or onnx (seconds each per process): kept on one worker,
# so only that worker pays for them.
ONE_WORKER_PREFIXES = ("tests/train/", "tests/models/test_runner.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` (pyproject's addopts), with the ONE_WORKER_PREFIXES files as one
    unit; any other --dist is xdist's own."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # only under xdist, which calls this

    class _Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return "torch-and-onnx" if path.startswith(ONE_WORKER_PREFIXES) else path

    return _Scheduling(config, log)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (scripts/setup.sh --test)")
    root = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir=_pg_root_parent()))
    server = PostgresServer(bindir, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kiosk.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database()
