"""Encryption at rest: scrypt + AES-256-GCM, header authenticated and bounded."""

import json

import pytest

import ipt_graph as ig
from ipt_graph.io import encryption

CHEAP = 2**10  # scrypt cost for tests; one test below uses the real default


def _client():
    client = ig.Client("C-ENC", rings=3, notes="ZZPLAINTEXT story")
    client.add_person("p1", label="ZZPLAINTEXT Partner", role="partner")
    client.add_session(1, date="2026-01-05")
    client.rate(1, "p1", ring=1, support=4, conflict=5)
    return client


def test_round_trip_and_no_plaintext_on_disk(tmp_path):
    path = ig.save(_client(), tmp_path / "c.json", passphrase="correct horse", scrypt_n=CHEAP)
    raw = path.read_bytes()
    assert raw.startswith(encryption.MAGIC)
    assert b"ZZPLAINTEXT" not in raw and b"C-ENC" not in raw
    assert ig.load(path, passphrase="correct horse") == _client()
    assert not [p for p in tmp_path.iterdir() if p.name != "c.json"]  # no stray temp file


def test_real_parameters(tmp_path):
    path = ig.save(_client(), tmp_path / "c.json", passphrase="pass phrase")
    header = json.loads(path.read_bytes().split(b"\n")[1])
    assert (header["n"], header["r"], header["p"]) == (2**17, 8, 1)
    assert ig.load(path, passphrase="pass phrase") == _client()


def test_missing_and_wrong_passphrase(tmp_path):
    path = ig.save(_client(), tmp_path / "c.json", passphrase="right", scrypt_n=CHEAP)
    with pytest.raises(ig.CaseFileError, match="encrypted: give its passphrase"):
        ig.load(path)
    with pytest.raises(ig.CaseFileError, match="wrong passphrase"):
        ig.load(path, passphrase="wrong")


@pytest.mark.parametrize("offset", [0, 5, 30, 60, -1, -17, -40])
def test_any_flipped_byte_is_refused(tmp_path, offset):
    path = ig.save(_client(), tmp_path / "c.json", passphrase="pw", scrypt_n=CHEAP)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ig.CaseFileError):
        ig.load(path, passphrase="pw")


def test_every_header_byte_flip_is_refused_quickly(tmp_path):
    """A flipped header byte is caught by the bounds or the tag, never by a huge scrypt."""
    path = ig.save(_client(), tmp_path / "c.json", passphrase="pw", scrypt_n=CHEAP)
    original = path.read_bytes()
    header_end = original.index(b"\n", len(encryption.MAGIC)) + 1
    for offset in range(len(encryption.MAGIC), header_end):
        data = bytearray(original)
        data[offset] ^= 0x04
        path.write_bytes(bytes(data))
        try:
            client = ig.load(path, passphrase="pw")
        except ig.CaseFileError:
            continue
        # a flip the JSON parser normalises away ("N" vs "n" is not one) must not pass
        raise AssertionError(f"flip at {offset} was accepted: {client!r}")


def test_costly_parameters_are_refused_before_deriving(tmp_path):
    path = ig.save(_client(), tmp_path / "c.json", passphrase="pw", scrypt_n=CHEAP)
    lines = path.read_bytes().split(b"\n", 2)
    header = json.loads(lines[1])
    header["n"] = 2**30
    path.write_bytes(b"\n".join([lines[0], json.dumps(header).encode(), lines[2]]))
    with pytest.raises(ig.CaseFileError, match="out of bounds"):
        ig.load(path, passphrase="pw")


def test_plain_files_still_load_and_empty_passphrase_is_refused(tmp_path):
    path = ig.save(_client(), tmp_path / "plain.json")
    assert ig.load(path, passphrase="ignored") == _client()
    with pytest.raises(ig.CaseFileError, match="non-empty"):
        ig.save(_client(), tmp_path / "c.json", passphrase="", scrypt_n=CHEAP)
    assert not (tmp_path / "c.json").exists()
