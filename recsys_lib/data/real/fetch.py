"""Where real logs live on this machine, and their download (pooch, with a checksum).

Nothing here downloads unless asked (``download=True`` / ``recsys-course evaluate --download``):
notebooks and tests never touch the network.

The cache folder is ``$RECSYS_COURSE_DATA`` when set, else pooch's per-user cache
(``~/.cache/recsys-course`` on Linux). Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from recsys_lib.data.real.reading import RealDataNotFound
from recsys_lib.data.real.registry import RealDataset, dataset

#: environment variable naming the cache folder
CACHE_ENV = "RECSYS_COURSE_DATA"
#: file in the cache folder with the SHA-256 recorded at the first download of an unpublished hash
CHECKSUMS = "checksums.json"


def cache_dir(folder: str | os.PathLike | None = None) -> Path:
    """The folder downloads go to: ``folder``, else ``$RECSYS_COURSE_DATA``, else pooch's cache.

    Taught in module 04 (knn_collaborative_filtering).
    """
    if folder is not None:
        return Path(folder)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import pooch

    return Path(pooch.os_cache("recsys-course"))


def _recorded(folder: Path) -> dict[str, str]:
    path = folder / CHECKSUMS
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _record(folder: Path, archive: str, sha256: str) -> None:
    known = _recorded(folder)
    known[archive] = sha256
    (folder / CHECKSUMS).write_text(json.dumps(known, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _cached_candidates(info: RealDataset, folder: Path) -> list[Path]:
    names = [info.archive] if info.archive else []
    names += [info.member, Path(info.member).name]
    return [folder / info.name / n for n in names] + [folder / n for n in names]


def local_file(name: str, path: str | os.PathLike | None = None,
               cache: str | os.PathLike | None = None) -> Path | None:
    """The file a loader would read for data set ``name`` without downloading: ``path`` if it
    exists, else the downloaded (or hand-placed) copy in the cache folder (``<cache>/<name>/`` or
    ``<cache>/``); None when there is none (a notebook cell then says it is skipped).

    Taught in module 04 (knn_collaborative_filtering).
    """
    info = dataset(name)
    if path is not None:
        return Path(path) if Path(path).exists() else None
    for candidate in _cached_candidates(info, cache_dir(cache)):
        if candidate.is_file():
            return candidate
    return None


def not_found_message(info: RealDataset, folder: Path) -> str:
    how = (f"Download it with `recsys-course evaluate --data {info.name} --download` or "
           f"`load_real({info.name!r}, download=True)` (needs network; {info.url})."
           if info.url else info.manual[0].upper() + info.manual[1:] + f" ({info.homepage}).")
    return (f"{info.title} is not on this machine (looked in {folder / info.name}). {how} Or pass the "
            f"path of a copy you have (path=... in Python, --path on the command line). "
            f"Licence: {info.licence}.")


def fetch(name: str, cache: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Download data set ``name`` into the cache folder (once) and return the file's path.

    The file is checked against the checksum the source publishes; where it publishes none, the
    SHA-256 of the first download is recorded (``checksums.json``) and later calls verify the cached
    file against it. Raises :class:`RealDataNotFound` for data sets that need an account.

    Taught in module 04 (knn_collaborative_filtering).
    """
    import pooch

    info = dataset(name)
    folder = cache_dir(cache) / info.name
    if not info.url:
        raise RealDataNotFound(not_found_message(info, folder.parent))
    folder.mkdir(parents=True, exist_ok=True)
    recorded = _recorded(folder).get(info.archive)
    known = info.known_hash or (f"sha256:{recorded}" if recorded else None)
    path = Path(pooch.retrieve(info.url, known_hash=known, fname=info.archive, path=folder,
                               progressbar=progress))
    if known is None:
        digest = pooch.file_hash(str(path), alg="sha256")
        _record(folder, info.archive, digest)
        print(f"{info.title}: no checksum is published; recorded the SHA-256 of this download "
              f"({digest}) in {folder / CHECKSUMS}; later uses verify the cached file against it.")
    return path


def verify(info: RealDataset, path: Path) -> None:
    """Check a cached download against its published (or recorded) checksum; a mismatch raises
    ``ValueError`` (a truncated or altered download is never read as if it were the data set).

    Taught in module 04 (knn_collaborative_filtering).
    """
    import pooch

    if info.archive is None or path.name != info.archive:
        return
    expected = info.known_hash or (f"sha256:{_recorded(path.parent)[info.archive]}"
                                   if info.archive in _recorded(path.parent) else None)
    if expected is None:
        return
    alg, value = expected.split(":", 1)
    actual = pooch.file_hash(str(path), alg=alg)
    if actual != value:
        raise ValueError(f"{path}: {alg} checksum {actual} does not match the expected {value}; "
                         f"delete the file and download it again")


def resolve(name: str, path: str | os.PathLike | None = None, *, download: bool = False,
            cache: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """The file to read for ``name``: ``path`` (read as it is), else the verified copy in the cache,
    else (with ``download``) a fresh download; otherwise :class:`RealDataNotFound` saying how to get it.

    Taught in module 04 (knn_collaborative_filtering).
    """
    info = dataset(name)
    if path is not None:
        if not Path(path).exists():
            raise RealDataNotFound(f"{path}: no such file or folder ({info.title})")
        return Path(path)
    found = local_file(name, cache=cache)
    if found is not None:
        verify(info, found)
        return found
    if download:
        return fetch(name, cache=cache, progress=progress)
    raise RealDataNotFound(not_found_message(info, cache_dir(cache)))
