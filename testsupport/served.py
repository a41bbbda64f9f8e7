"""``geo311 serve`` in a child process on a free loopback port, for tests and benches."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["ServeProcess", "free_port"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServeProcess:
    """``geo311 serve --profile PROFILE --db DB`` in its own process group.

    ``start()`` returns once the service answers; ``kill9()`` sends SIGKILL to the
    master and every worker at once (a power cut, as far as the process can tell).
    """

    def __init__(self, profile: Path, db_url: str, *, workers: int = 2,
                 extra: list[str] | None = None, log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [str(Path(sys.executable).with_name("geo311")), "serve",
                        "--profile", str(profile),
                        "--db", db_url, "--port", str(self.port), "--workers", str(workers),
                        *(extra or [])]
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> ServeProcess:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(self.command, stdout=out, stderr=out,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"geo311 serve exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/openapi.json", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"geo311 serve did not answer within {timeout:.0f} s")

    def kill9(self) -> None:
        """SIGKILL the whole process group, and reap the master."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill9()

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
