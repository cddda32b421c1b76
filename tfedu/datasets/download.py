"""Checksummed, resumable downloads into the data directory.

Bytes go to `<file>.part`; an interrupted transfer is resumed with an HTTP Range request, the
result is verified against its SHA-256 and only then renamed into place, so a partial or
corrupted download never looks like a finished file.
"""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request

from tfedu.datasets.core import ChecksumError, sha256_file

RETRIES = 4          # attempts per mirror (each resumes where the last stopped)
BACKOFF = 0.5        # seconds, doubled after each failed attempt
TIMEOUT = 30.0       # socket timeout in seconds
CHUNK = 1 << 16


class DownloadError(OSError):
    """No mirror could deliver the file."""


class _Interrupted(Exception):
    pass


def mirrors_from_env(var: str, default: list[str]) -> list[str]:
    """Base URLs from a comma-separated environment variable, else `default`."""
    env = os.environ.get(var, "").strip()
    return [u.strip() for u in env.split(",") if u.strip()] if env else list(default)


def _fetch_once(url: str, part: str) -> None:
    have = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"User-Agent": "tfedu-datasets"}
    if have:
        headers["Range"] = f"bytes={have}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing left to fetch: the .part is complete
            return
        raise
    with resp:
        mode = "ab" if have and resp.status == 206 else "wb"
        length = resp.headers.get("Content-Length")
        expected = int(length) if length is not None else None
        got = 0
        with open(part, mode) as f:
            while True:
                try:
                    chunk = resp.read(CHUNK)
                except (http.client.IncompleteRead, ConnectionError, TimeoutError) as e:
                    raise _Interrupted(str(e) or type(e).__name__) from None
                if not chunk:
                    break
                f.write(chunk)
                got += len(chunk)
        if expected is not None and got < expected:
            raise _Interrupted(f"connection closed after {got} of {expected} bytes")


def download(filename: str, sha256: str, dest_dir: str, mirrors: list[str]) -> str:
    """Returns the path of `dest_dir/filename`, downloading it from the first mirror that works.

    An existing file with the right checksum is reused; a wrong checksum after download raises
    `ChecksumError` and removes the bad bytes.
    """
    os.makedirs(dest_dir, exist_ok=True)
    final = os.path.join(dest_dir, filename)
    if os.path.exists(final):
        if sha256_file(final) == sha256:
            return final
        os.unlink(final)
    part = final + ".part"
    reasons = []
    for base in mirrors:
        url = base if base.endswith(filename) else base.rstrip("/") + "/" + filename
        delay = BACKOFF
        for attempt in range(RETRIES):
            try:
                _fetch_once(url, part)
                break
            except _Interrupted as e:
                reasons.append(f"{url}: {e}")
            except urllib.error.HTTPError as e:
                reasons.append(f"{url}: HTTP {e.code} {e.reason}")
                if e.code == 404:
                    break
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                reasons.append(f"{url}: {reason}")
            if attempt + 1 < RETRIES:
                time.sleep(delay)
                delay *= 2
        else:
            continue
        if not os.path.exists(part):
            continue
        got = sha256_file(part)
        if got != sha256:
            os.unlink(part)
            raise ChecksumError(
                f"Checksum mismatch for {final} downloaded from {url}: expected sha256 "
                f"{sha256}, got {got}. The download was removed; the mirror may be serving a "
                f"different file.")
        os.replace(part, final)
        return final
    last = reasons[-1] if reasons else "no mirrors configured"
    raise DownloadError(
        f"could not download {filename} ({last}); copy the files into {dest_dir} or run with "
        f"network access")
