"""Optional encryption at rest for case files: scrypt + AES-256-GCM.

An encrypted case file is::

    IPTGRAPH-ENCRYPTED 1\\n
    {"cipher": "aes-256-gcm", "kdf": "scrypt", "n": 131072, "nonce": "...", "p": 1,
     "r": 8, "salt": "..."}\\n
    <ciphertext with its 16-byte GCM tag>

The two header lines are authenticated as associated data, so changing a parameter is detected
like changing the ciphertext. Before deriving a key, the parameters are checked against fixed
bounds, so a flipped byte in the header cannot make loading demand gigabytes of memory or hours
of work.

Threat model: this protects a case file that leaves the machine or the folder it belongs in —
a lost laptop or USB stick, a file mailed to the wrong person, a backup read by someone else.
It does not protect against anyone who knows the passphrase, malware on the clinician's
machine, the plaintext in memory while a notebook runs, or the figures and reports made from
the record (encrypt the disk for those). A weak passphrase weakens everything: scrypt only
makes each guess expensive (about 0.1-0.5 s and 128 MiB at the default cost).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from ..errors import CaseFileError

__all__ = ["MAGIC", "decrypt", "encrypt", "is_encrypted"]

MAGIC = b"IPTGRAPH-ENCRYPTED 1\n"
#: scrypt cost used when saving: N = 2**17, r = 8, p = 1 (128 MiB, the 2017 guidance of
#: Percival's scrypt paper and RFC 7914 for interactive use, raised for files at rest).
DEFAULT_N, DEFAULT_R, DEFAULT_P = 2**17, 8, 1
#: Bounds checked before any key is derived: memory is 128 * N * r bytes.
MAX_N, MAX_R, MAX_P = 2**20, 16, 4
MAX_MEMORY = 1024 * 2**20
_SALT_BYTES, _NONCE_BYTES = 16, 12


def _crypto():
    try:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
    except ImportError:  # pragma: no cover - the [crypto] extra is part of [all]
        raise CaseFileError("encryption needs the 'cryptography' package: "
                            "pip install 'ipt_graph[crypto]'") from None
    return AESGCM, Scrypt, InvalidTag


def is_encrypted(data: bytes) -> bool:
    """Whether ``data`` is an encrypted case file."""
    return data.startswith(MAGIC)


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if not isinstance(passphrase, str) or not passphrase:
        raise CaseFileError("the passphrase must be a non-empty string")
    _, Scrypt, _ = _crypto()
    kdf = Scrypt(salt=salt, length=32, n=n, r=r, p=p)
    return kdf.derive(passphrase.encode("utf-8"))


def encrypt(plaintext: bytes, passphrase: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R,
            p: int = DEFAULT_P) -> bytes:
    """Encrypt ``plaintext`` with a key derived from ``passphrase`` (scrypt, AES-256-GCM).

    Lower ``n`` only in tests: it is the cost an attacker pays per guessed passphrase.
    """
    _check_parameters({"n": n, "r": r, "p": p}, source="encryption")
    AESGCM, _, _ = _crypto()
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    header = {"cipher": "aes-256-gcm", "kdf": "scrypt", "n": n, "r": r, "p": p,
              "salt": base64.b64encode(salt).decode("ascii"),
              "nonce": base64.b64encode(nonce).decode("ascii")}
    head = MAGIC + json.dumps(header, sort_keys=True).encode("ascii") + b"\n"
    key = _key(passphrase, salt, n, r, p)
    return head + AESGCM(key).encrypt(nonce, plaintext, head)


def decrypt(data: bytes, passphrase: str | None, source: str = "case file") -> bytes:
    """Decrypt an encrypted case file; a wrong passphrase or any altered byte is an error."""
    if passphrase is None:
        raise CaseFileError(f"{source}: the case file is encrypted: give its passphrase")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + 1024)
    if end < 0:
        raise CaseFileError(f"{source}: the encryption header is damaged")
    head, body = data[: end + 1], data[end + 1:]
    try:
        header = json.loads(head[len(MAGIC):].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise CaseFileError(f"{source}: the encryption header is damaged") from None
    n, r, p, salt, nonce = _check_header(header, source)
    AESGCM, _, InvalidTag = _crypto()
    key = _key(passphrase, salt, n, r, p)
    try:
        return AESGCM(key).decrypt(nonce, body, head)
    except InvalidTag:
        raise CaseFileError(f"{source}: wrong passphrase, or the file was altered or damaged"
                            ) from None


def _check_parameters(header: dict[str, Any], source: str) -> tuple[int, int, int]:
    n, r, p = header.get("n"), header.get("r"), header.get("p")
    valid = (all(type(v) is int for v in (n, r, p)) and 2 <= n <= MAX_N and n & (n - 1) == 0
             and 1 <= r <= MAX_R and 1 <= p <= MAX_P and 128 * n * r <= MAX_MEMORY)
    if not valid:
        raise CaseFileError(f"{source}: scrypt parameters out of bounds (N a power of two up "
                            f"to {MAX_N}, r 1..{MAX_R}, p 1..{MAX_P}); the header is damaged")
    return n, r, p


def _check_header(header: Any, source: str) -> tuple[int, int, int, bytes, bytes]:
    if not isinstance(header, dict) or header.get("kdf") != "scrypt" or header.get(
            "cipher") != "aes-256-gcm":
        raise CaseFileError(f"{source}: unknown encryption (expected scrypt with aes-256-gcm)")
    n, r, p = _check_parameters(header, source)
    try:
        salt = base64.b64decode(header["salt"], validate=True)
        nonce = base64.b64decode(header["nonce"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise CaseFileError(f"{source}: the encryption header is damaged") from None
    if len(salt) != _SALT_BYTES or len(nonce) != _NONCE_BYTES:
        raise CaseFileError(f"{source}: the encryption header is damaged")
    return n, r, p, salt, nonce
