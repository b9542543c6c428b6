"""Fetching dataset files safely: checksum-verified, atomic, with progress."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path


class ChecksumError(RuntimeError):
    """A downloaded or existing file does not have the published checksum."""


def file_digest(path: str | os.PathLike, algorithm: str = "md5") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_file(path: Path, digest: str, algorithm: str = "md5") -> None:
    """Raise ChecksumError if ``path`` exists with the wrong checksum: never trust it silently."""
    got = file_digest(path, algorithm)
    if got != digest:
        raise ChecksumError(
            f"{path} has {algorithm} {got}, expected {digest}: the file is corrupted or not the official "
            "one. Delete it and download again."
        )


def _progress(total: int | None, desc: str):
    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress bars are an optional extra
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False)


def download_file(urls: list[str], dest: Path, digest: str, algorithm: str = "md5",
                  timeout: float = 30.0) -> Path:
    """Download ``dest`` from the first of ``urls`` that works and matches ``digest``.

    The bytes go to a temporary file beside ``dest`` and are renamed into place
    only after the checksum matches, so a dropped connection or a corrupted
    mirror never leaves a partial or wrong file behind.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                total = resp.headers.get("Content-Length")
                total = int(total) if total else None
                bar = _progress(total, dest.name)
                received = 0
                h = hashlib.new(algorithm)
                while True:
                    block = resp.read(1 << 16)
                    if not block:
                        break
                    out.write(block)
                    h.update(block)
                    received += len(block)
                    if bar is not None:
                        bar.update(len(block))
                if bar is not None:
                    bar.close()
                if total is not None and received < total:
                    raise ConnectionError(f"connection dropped after {received} of {total} bytes")
                out.flush()
                os.fsync(out.fileno())
            if h.hexdigest() != digest:
                raise ChecksumError(f"{url} gave a file with {algorithm} {h.hexdigest()}, expected {digest}")
            os.replace(tmp, dest)
            return dest
        except (OSError, urllib.error.URLError, ConnectionError, ChecksumError, ValueError) as e:
            errors.append(f"  {url}: {e}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise RuntimeError(
        f"Could not download {dest.name}. Tried:\n" + "\n".join(errors) +
        f"\nWith no network, copy the official file to {dest} by hand."
    )
