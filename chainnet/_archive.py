"""A model file's ``.npz`` archive, read under limits and written atomically.

Reading: every bound is checked from what the archive *declares* before a byte of an array is decompressed:

- every member is a ``.npy`` file named once; the members together may hold at most :data:`EXPANSION` times
  the bytes of the file on disk plus :data:`SLACK` (``np.savez`` stores them uncompressed, so a real model
  expands 1:1; 2 GB of zeros deflated into 2 MB is a zip bomb): the arrays take no more memory than the file;
- each member's ``.npy`` header (at most 10,000 bytes, parsed by numpy with :func:`ast.literal_eval`) gives a
  shape and a dtype; an object dtype (which needs pickle) is refused; the member's size in the zip directory
  must be exactly the header plus ``prod(shape) * itemsize``, so the bytes numpy allocates are the bytes the
  archive holds. The caller compares a member's ``shape`` and ``dtype`` (from its header) with what the JSON
  document implies and only then calls :meth:`Member.read`; ``zipfile`` never decompresses more than the declared size and
  checks the CRC-32 at the end.

Writing: the archive goes to a temporary file created exclusively in the target's folder
(:func:`tempfile.mkstemp`: ``O_CREAT | O_EXCL``, a random name, never a symlink someone planted), is flushed
to disk, then :func:`os.replace` puts it in place in one step. A failure removes the temporary file; files
left by a process that was killed while saving are removed by the next save to the same path.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tempfile
import zipfile

import numpy as np

from .errors import ArgumentTypeError, ModelFileError, SaveError

EXPANSION = 1   # memory for the arrays <= the file on disk (+ SLACK): no decompression can amplify a file
SLACK = 2**20
MAX_HEADER = 10_000


class Member:
    """One ``.npy`` member of an open archive; its header is read and checked on creation, its data on
    :meth:`read`."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str):
        self.archive, self.info, self.path, self.name = archive, info, path, info.filename[:-4]
        with self._open() as fh:
            self.shape, _, self.dtype = self._header(fh)
            start = fh.tell()
        self.ndim = len(self.shape)
        declared = start + math.prod(self.shape) * self.dtype.itemsize
        if declared != info.file_size:
            raise ModelFileError(f"{path!r}: member {info.filename!r} declares shape {self.shape} of {self.dtype} "
                                 f"({declared:,} bytes) but the archive holds {info.file_size:,} bytes: refused")

    def __repr__(self) -> str:
        return f"Member({self.name!r}, shape={self.shape}, dtype={self.dtype})"

    def _open(self):
        try:
            return self.archive.open(self.info)
        except Exception as exc:  # noqa: BLE001 - zipfile raises many types on a damaged local header
            raise _damaged(self.path, exc) from None

    def _header(self, fh):
        try:
            version = np.lib.format.read_magic(fh)
            read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read:
                raise ValueError(f".npy format version {version} is not one numpy's savez writes")
            shape, fortran, dtype = read[version](fh, max_header_size=MAX_HEADER)
        except Exception as exc:  # noqa: BLE001 - a garbled header: syntax errors, bad dtypes, EOF ...
            raise _damaged(self.path, exc) from None
        if dtype.hasobject:
            raise ModelFileError(f"{self.path!r} holds an object array ({self.info.filename!r}), which only pickle "
                                 "could read; refused, nothing was run")
        return shape, fortran, dtype

    def read(self) -> np.ndarray:
        """The array, decompressed now (the shape and dtype were checked by the caller)."""
        try:
            with self._open() as fh:
                return np.lib.format.read_array(fh, allow_pickle=False, max_header_size=MAX_HEADER)
        except Exception as exc:  # noqa: BLE001 - CRC mismatch, truncated data, zlib errors
            raise _damaged(self.path, exc) from None


def _damaged(path: str, exc: BaseException) -> ModelFileError:
    return ModelFileError(f"{path!r} is truncated or damaged ({type(exc).__name__}: {exc})")


def open_archive(path: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except Exception as exc:  # noqa: BLE001 - BadZipFile, EOF, a central directory that lies ...
        raise _damaged(path, exc) from None


def members(archive: zipfile.ZipFile, path: str) -> dict[str, Member]:
    """The archive's members by name (``.npy`` stripped), checked as the module docstring says."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    odd = [n for n in names if not n.endswith(".npy") or "/" in n]
    if odd:
        raise ModelFileError(f"{path!r} is not a chainnet model file: it holds the member {odd[0]!r}, which is not "
                             "a .npy array (a model file holds only .npy members); refused, nothing was read")
    if len(set(names)) != len(names):
        raise ModelFileError(f"{path!r} names a member twice: refused")
    total, disk = sum(info.file_size for info in infos), os.path.getsize(path)
    if total > EXPANSION * disk + SLACK:
        raise ModelFileError(f"{path!r} would expand to {total:,} bytes from {disk:,} on disk (at most the file's "
                             f"size + {SLACK:,}): a compressed bomb, refused before decompressing")
    return {info.filename[:-4]: Member(archive, info, path) for info in infos}


# ---------------------------------------------------------------------------------------------- writing
def write_atomic(path, arrays: dict) -> None:
    """Write ``arrays`` as an ``.npz`` to ``path`` through an exclusive temporary file and ``os.replace``."""
    path, folder = check_target(path)
    _remove_stale(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{os.path.basename(path)}.tmp-{os.getpid()}-")
    except OSError as exc:
        raise _save_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode(path))
        os.replace(tmp, path)
    except OSError as exc:
        raise _save_error(path, exc) from None
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)


def check_target(path) -> tuple[str, str]:
    """``(path, folder)`` when ``path`` can be saved to; a :class:`SaveError` naming the fix otherwise."""
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(name, str):
        raise ArgumentTypeError(f"path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    if not name.strip():
        raise SaveError(f"cannot save to {name!r}: the path is empty; give a file name such as 'model.npz'")
    folder = os.path.dirname(os.path.abspath(name))
    if os.path.isdir(name):
        raise SaveError(f"cannot save to {name!r}: it is a folder; give a file name inside it, "
                        f"e.g. {os.path.join(name, 'model.npz')!r}")
    if os.path.exists(name) and not os.path.isfile(name):   # os.replace would put a file in place of the node
        raise SaveError(f"cannot save to {name!r}: it exists and is not a regular file (a device, pipe or socket); "
                        "give the name of a file")
    if not os.path.isdir(folder):
        raise SaveError(f"cannot save to {name!r}: there is no folder {folder!r}; create it first "
                        "(os.makedirs) or save elsewhere")
    return name, folder


def _save_error(path: str, exc: OSError) -> SaveError:
    fixes = {28: "free some disk space or save elsewhere", 13: "choose a folder you may write to",
             27: "the file is larger than this process may write (ulimit -f): raise the limit or save elsewhere",
             30: "the file system is read-only: save elsewhere", 122: "the disk quota is full: free some space"}
    fix = fixes.get(exc.errno, "check the path and the disk")
    return SaveError(f"cannot save to {path!r}: {exc.strerror or exc}; {fix}. The previous file, if any, is "
                     "unchanged")


def _mode(path: str) -> int:
    """The permissions of the file replaced, or those a new file gets (0o666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (``os.umask`` sets it to read it)."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def _remove_stale(path: str) -> None:
    """Remove temporary files of earlier saves to ``path`` whose process is gone (killed mid-save): only regular
    files this user owns, never a symlink, and never one of a process still running."""
    folder, base = os.path.split(os.path.abspath(path))
    pattern = re.compile(re.escape(base) + r"\.tmp-(\d+)-\w+")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if not match or _alive(int(match.group(1))):
            continue
        full = os.path.join(folder, name)
        try:
            info = os.lstat(full)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                os.remove(full)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True          # another thread of this process may be saving right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True
