"""The case file: one JSON document per client (DESIGN.md §5).

UTF-8, keys sorted, two-space indent, NaN and infinities refused both ways. The top level
carries ``"format": "ipt-graph"`` and an integer ``"version"``. Older versions migrate forward
one step at a time; newer ones are refused. Saving is atomic: a temporary file in the same
folder, flush, fsync, :func:`os.replace`, fsync of the folder, so a crash leaves either the
whole old file or the whole new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CaseFileError, SaveError, ValidationError, VersionError
from ..model import Client
from . import encryption

__all__ = ["FORMAT", "VERSION", "casefile_schema", "dumps", "load", "loads", "save"]

FORMAT = "ipt-graph"
#: The schema version this library writes. Bump it with a migration in ``MIGRATIONS``.
VERSION = 1
#: Files larger than this are refused before parsing (a case file is a few MB at most).
MAX_BYTES = 256 * 1024 * 1024


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (the first prototype) named the people ``persons`` and wrote ties as
    ``source``/``target`` with a ``type``; sessions had no ``complete`` flag."""
    data = dict(data)
    if "persons" in data:
        data["people"] = data.pop("persons")
    ties = []
    for tie in data.get("ties", []):
        if isinstance(tie, dict):
            tie = dict(tie)
            for old, new in (("source", "a"), ("target", "b"), ("type", "kind")):
                if old in tie:
                    tie[new] = tie.pop(old)
        ties.append(tie)
    data["ties"] = ties
    return data


#: ``MIGRATIONS[v]`` turns a version-``v`` document into a version-``v + 1`` one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in a case file (numbers must be finite)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("a key appears twice in one object")
        out[key] = value
    return out


def loads(text: str | bytes, source: str | None = None) -> Client:
    """Read a case file from a string or bytes; ``source`` names it in error messages."""
    name = source or "case file"
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CaseFileError(f"{name}: not UTF-8 text (byte {error.start})") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant,
                          object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise CaseFileError(f"{name}: not valid JSON (line {error.lineno}, column "
                            f"{error.colno}: {error.msg})") from None
    except ValueError as error:
        raise CaseFileError(f"{name}: {error}") from None
    except RecursionError:
        raise CaseFileError(f"{name}: nested too deeply to be a case file") from None
    if not isinstance(data, dict):
        raise CaseFileError(f"{name}: the top level must be a JSON object")
    if data.get("format") != FORMAT:
        raise CaseFileError(f"{name}: not an ipt-graph case file (\"format\" must be "
                            f"\"{FORMAT}\")")
    version = data.get("version")
    if type(version) is not int or version < 0:
        raise CaseFileError(f"{name}: \"version\" must be a non-negative integer")
    if version > VERSION:
        raise VersionError(f"{name}: written with case-file version {version}, but this "
                           f"ipt_graph reads versions up to {VERSION}: upgrade ipt_graph")
    while version < VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    body = {key: value for key, value in data.items() if key not in ("format", "version")}
    return Client.from_dict(body, source=source)


def load(path: str | os.PathLike[str], *, passphrase: str | None = None) -> Client:
    """Load and validate a case file, decrypting it when it was saved with a passphrase.

    Raises
    ------
    CaseFileError
        Not a readable ipt-graph case file (not UTF-8 JSON, NaN, wrong format), or encrypted
        and the passphrase is missing or wrong, or the file was altered.
    VersionError
        Written by a newer ipt_graph.
    ValidationError
        The records break the data model: every problem is listed, by record and field.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise CaseFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_BYTES:
        raise CaseFileError(f"{path}: larger than {MAX_BYTES // 2**20} MB")
    if encryption.is_encrypted(raw):
        raw = encryption.decrypt(raw, passphrase, source=str(path))
    return loads(raw, source=str(path))


def dumps(client: Client) -> str:
    """The case file of ``client`` as text: sorted keys, two-space indent, final newline."""
    problems = client.problems()
    if problems:
        raise ValidationError(problems)
    data = {"format": FORMAT, "version": VERSION, **client.to_dict()}
    try:
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2)
    except ValueError:  # a NaN or infinity that bypassed validation (model_construct...)
        raise CaseFileError(f"client {client.client_id}: NaN and infinities are not allowed "
                            "in a case file (numbers must be finite)") from None
    return text + "\n"


def save(client: Client, path: str | os.PathLike[str], *, passphrase: str | None = None,
         scrypt_n: int = encryption.DEFAULT_N) -> Path:
    """Write ``client`` to ``path`` atomically and durably; returns the path.

    With a ``passphrase`` the file is encrypted (scrypt and AES-256-GCM, see
    :mod:`ipt_graph.io.encryption` for what that protects); the plaintext is never written.
    ``scrypt_n`` is the scrypt cost; lower it only in tests.

    The text goes to a temporary file in the same folder, which is flushed, fsynced and
    renamed over ``path`` with :func:`os.replace`; then the folder is fsynced so the rename
    itself survives a power cut. On any failure before the rename the temporary file is
    removed and the file that was at ``path`` is left as it was; if only the final fsync of
    the folder fails, the new file is in place and the SaveError says so.

    Raises
    ------
    ValidationError
        The client breaks the data model (nothing is written).
    SaveError
        The file could not be written (full disk, read-only folder...).
    """
    path = Path(path)
    data = dumps(client).encode("utf-8")
    if passphrase is not None:
        data = encryption.encrypt(data, passphrase, n=scrypt_n)
    atomic_write(path, data)
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`save`)."""
    folder = path.parent if str(path.parent) else Path(".")
    temporary: str | None = None
    replaced = False
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.",
                                                 suffix=".tmp")
        # mkstemp makes the file 0600, right for health information; a file that already
        # exists keeps the mode its owner gave it.
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        temporary = None
        replaced = True
        _fsync_folder(folder)
    except OSError as error:
        if replaced:  # the new file is in place: never claim the old one is intact
            raise SaveError(error.errno, f"{path}: written, but the folder could not be "
                                         f"synced ({error.strerror or error}); the new file "
                                         "may not survive a power cut") from None
        raise SaveError(error.errno, f"{path}: could not be saved "
                                     f"({error.strerror or error}); the old file is intact"
                        ) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def casefile_schema() -> dict[str, Any]:
    """The JSON Schema of the current case-file version, generated from the model."""
    schema = Client.model_json_schema(mode="validation")
    schema["title"] = "ipt-graph case file"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["properties"] = {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        **schema["properties"],
    }
    schema["required"] = ["format", "version", *schema.get("required", [])]
    return schema


def shipped_schema() -> dict[str, Any]:
    """The JSON Schema shipped with the package (kept equal to :func:`casefile_schema`)."""
    text = resources.files("ipt_graph.schema").joinpath(f"casefile-v{VERSION}.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))
