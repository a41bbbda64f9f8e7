"""Writing output files atomically: a temporary file next to the target, then a rename.

A run that fails leaves the previous output as it was. A missing, read-only or full
output directory is an :class:`InputError` naming the file, and so is an output
that is one of the run's inputs.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo311.errors import InputError

__all__ = ["atomic_path", "write_text", "write_bytes", "refuse_input_as_output",
           "check_writable", "output_error"]


def output_error(target: str | Path, exc: OSError) -> InputError:
    """The message for an output that cannot be written (missing, read-only or full dir)."""
    target = Path(target)
    reasons = {errno.ENOENT: f"the directory {target.parent} does not exist",
               errno.ENOTDIR: f"{target.parent} is not a directory",
               errno.EACCES: f"no permission to write in {target.parent}",
               errno.EPERM: f"no permission to write in {target.parent}",
               errno.EROFS: f"{target.parent} is on a read-only file system",
               errno.ENOSPC: "the disk is full",
               errno.EDQUOT: "the disk quota is exceeded",
               errno.EFBIG: "the file is too large for the file system or limit"}
    reason = reasons.get(exc.errno, exc.strerror or str(exc))
    return InputError(f"cannot write {target}: {reason}; nothing was changed",
                      file=str(target), errno=exc.errno)


def check_writable(target: str | Path) -> None:
    """Fail early, before any work, when ``target``'s directory cannot take a new file.

    Raises
    ------
    InputError
        If the directory is missing, not a directory or not writable.
    """
    target = Path(target)
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a directory", file=str(target))
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".check")
    except OSError as exc:
        raise output_error(target, exc) from None
    os.close(handle)
    os.unlink(name)


def _mode(target: Path) -> int:
    """Permission bits for the new file: the old file's, else those of a plain ``open``."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without setting it (``os.umask`` would race other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target`` (same suffix) to write; rename it on success.

    On an exception the temporary file is removed and ``target`` is untouched. An
    :class:`OSError` while writing (a full disk) becomes an :class:`InputError`.
    """
    target = Path(target)
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a directory", file=str(target))
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=f".tmp{target.suffix}")
    except OSError as exc:
        raise output_error(target, exc) from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except OSError as exc:
        if exc.filename not in (None, str(temporary), str(target)):
            raise
        raise output_error(target, exc) from None
    finally:
        temporary.unlink(missing_ok=True)


def write_text(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically; return ``target`` as a Path."""
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding=encoding)
    return Path(target)


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; return ``target`` as a Path."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
    return Path(target)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def refuse_input_as_output(target: str | Path, *inputs: str | Path | None) -> None:
    """Refuse an output that is one of the inputs (also through another path or a link).

    Raises
    ------
    InputError
        Naming both paths.
    """
    target = Path(target)
    for given in inputs:
        if given is not None and _same(target, Path(given)):
            raise InputError(f"the output {target} is the input {given}; write elsewhere",
                             file=str(target))
