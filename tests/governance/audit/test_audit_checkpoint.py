"""Checkpoints: signed-note round trips, interoperability with Go's note package, and every forgery rejected."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.governance.audit.checkpoint import Checkpoint, Signer, Verifier, open_checkpoint, sign_checkpoint
from watchkeeper.governance.audit.errors import AuditKeyError, CheckpointError

ORIGIN = "watchkeeper.example/audit"
SIGNER = Signer(ORIGIN, hashlib.sha256(b"test signing key").digest())
VERIFIER = SIGNER.verifier()
ROOT = hashlib.sha256(b"root").digest()
CHECKPOINT = Checkpoint(ORIGIN, 42, ROOT)
SIGNED = sign_checkpoint(CHECKPOINT, SIGNER)

# The example key and note of golang.org/x/mod/sumdb/note (its documentation and note_test.go).
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SIGNER_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNATURE = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="


def test_signed_checkpoint_has_the_documented_layout() -> None:
    lines = SIGNED.split("\n")
    assert lines[:4] == [ORIGIN, "42", base64.b64encode(ROOT).decode(), ""]
    assert lines[4].startswith(f"\u2014 {ORIGIN} ")
    assert lines[5:] == [""]
    assert base64.b64decode(lines[4].split(" ")[2])[:4] == VERIFIER.key_id


def test_round_trip() -> None:
    assert open_checkpoint(SIGNED, VERIFIER) == CHECKPOINT
    assert open_checkpoint(SIGNED, VERIFIER, origin=ORIGIN) == CHECKPOINT


@given(st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=60))
def test_round_trip_for_any_printable_origin(origin: str) -> None:
    checkpoint = Checkpoint(origin, 7, ROOT)
    assert open_checkpoint(sign_checkpoint(checkpoint, SIGNER), VERIFIER) == checkpoint


def test_keys_match_go_note_package() -> None:
    signer = Signer("PeterNeumann", GO_SIGNER_SEED)
    assert signer.verifier().to_text() == GO_VERIFIER_KEY
    assert Verifier.from_text(GO_VERIFIER_KEY) == signer.verifier()
    assert base64.b64encode(signer.verifier().key_id + signer.sign(GO_TEXT)).decode() == GO_SIGNATURE


def test_verifier_key_line_round_trip() -> None:
    assert Verifier.from_text(VERIFIER.to_text()) == VERIFIER
    assert Verifier.from_text(VERIFIER.to_text() + "\n") == VERIFIER


def test_signing_key_pem_round_trip() -> None:
    generated = Signer.generate(ORIGIN)
    assert generated.seed != SIGNER.seed
    assert Signer.from_pem(ORIGIN, generated.to_pem()) == generated
    encrypted = generated.to_pem(password=b"correct horse")
    assert b"ENCRYPTED" in encrypted
    assert Signer.from_pem(ORIGIN, encrypted, password=b"correct horse") == generated
    with pytest.raises(AuditKeyError, match="cannot read the PEM private key"):
        Signer.from_pem(ORIGIN, encrypted, password=b"wrong")
    with pytest.raises(AuditKeyError, match="cannot read the PEM private key"):
        Signer.from_pem(ORIGIN, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert repr(generated.seed) not in repr(generated)


def test_signing_key_pem_of_another_algorithm_is_rejected() -> None:
    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(AuditKeyError, match="not an Ed25519 key"):
        Signer.from_pem(ORIGIN, pem)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("PeterNeumann+c74f20a3", "<name>"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "claims key id c74f20a4"),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"),
        ("PeterNeumann+c74f20a3+" + base64.b64encode(b"\x02" + VERIFIER.public_key).decode(), "not an Ed25519 key"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "non-empty"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "spaces"),
    ],
)
def test_malformed_verifier_keys_are_rejected(line: str, message: str) -> None:
    with pytest.raises(AuditKeyError, match=message):
        Verifier.from_text(line)


def replace_line(text: str, number: int, line: str) -> str:
    lines = text.split("\n")
    lines[number] = line
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("tampered", "message"),
    [
        (replace_line(SIGNED, 0, "watchkeeper.example/other"), "signature by key .* does not verify"),
        (replace_line(SIGNED, 1, "43"), "at size 43 .* does not verify"),
        (replace_line(SIGNED, 2, base64.b64encode(bytes(32)).decode()), "root 0{64}: the signature .* does not verify"),
        (replace_line(SIGNED, 1, "042"), "without leading zeros"),
        (replace_line(SIGNED, 1, "-1"), "decimal number"),
        (replace_line(SIGNED, 2, base64.b64encode(ROOT[:31]).decode()), "root hash must be 32 bytes"),
        (replace_line(SIGNED, 2, "not base64!"), "not valid base64"),
        (SIGNED.replace("\n\n", "\nextension line\n\n"), "must be 3 lines"),
        (SIGNED.replace("\n\n", "\n"), "no blank line"),
        (SIGNED[:-1], "ending in a newline"),
        (SIGNED.replace("\u2014", "-"), "em dash"),
        (SIGNED.split("\n\n")[0] + "\n\n", "1 to 100 signature lines, it has 0"),
        (SIGNED.replace("\n", "\r\n"), "printable text lines"),
        ("", "ending in a newline"),
        ("garbage\n", "no blank line"),
        ("\n\n\n", "must be 3 lines"),
    ],
)
def test_altered_or_malformed_checkpoints_are_rejected(tampered: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        open_checkpoint(tampered, VERIFIER)


def test_truncated_signature_is_rejected() -> None:
    body, signature_line = SIGNED.split("\n\n")
    _, name, encoded = signature_line.strip().split(" ")
    shortened = base64.b64encode(base64.b64decode(encoded)[:-1]).decode()
    with pytest.raises(CheckpointError, match="has 63 bytes after the key id"):
        open_checkpoint(f"{body}\n\n\u2014 {name} {shortened}\n", VERIFIER)
    only_key_id = base64.b64encode(base64.b64decode(encoded)[:4]).decode()
    with pytest.raises(CheckpointError, match="too short"):
        open_checkpoint(f"{body}\n\n\u2014 {name} {only_key_id}\n", VERIFIER)


def test_signature_by_another_key_is_rejected() -> None:
    impostor = Signer(ORIGIN, hashlib.sha256(b"impostor").digest())
    with pytest.raises(CheckpointError, match=f"no signature by key '{ORIGIN}' \\(id {VERIFIER.key_id.hex()}\\)"):
        open_checkpoint(sign_checkpoint(CHECKPOINT, impostor), VERIFIER)
    renamed = Signer("someone.else/log", SIGNER.seed)
    with pytest.raises(CheckpointError, match="no signature by key"):
        open_checkpoint(sign_checkpoint(CHECKPOINT, renamed), VERIFIER)


def test_signature_with_our_key_id_but_another_key_is_rejected() -> None:
    impostor = Signer(ORIGIN, hashlib.sha256(b"impostor").digest())
    body = CHECKPOINT.body()
    forged = base64.b64encode(VERIFIER.key_id + impostor.sign(body.encode())).decode()
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(f"{body}\n\u2014 {ORIGIN} {forged}\n", VERIFIER)


def test_other_signatures_are_ignored_but_ours_is_required() -> None:
    witness = Signer("witness.example", hashlib.sha256(b"witness").digest())
    witness_line = sign_checkpoint(CHECKPOINT, witness).split("\n\n")[1]
    assert open_checkpoint(SIGNED + witness_line, VERIFIER) == CHECKPOINT
    assert open_checkpoint(SIGNED + witness_line, witness.verifier()) == CHECKPOINT


def test_checkpoint_for_another_log_is_rejected() -> None:
    with pytest.raises(CheckpointError, match=f"for log '{ORIGIN}', expected 'other.example/audit'"):
        open_checkpoint(SIGNED, VERIFIER, origin="other.example/audit")


@given(st.text(max_size=400))
def test_garbage_raises_only_checkpoint_error(text: str) -> None:
    with pytest.raises(CheckpointError):
        open_checkpoint(text, VERIFIER)


@given(st.integers(0, len(SIGNED) - 1), st.characters(codec="utf-8"))
def test_any_single_character_change_is_rejected(position: int, character: str) -> None:
    if SIGNED[position] == character:
        return
    with pytest.raises(CheckpointError):
        open_checkpoint(SIGNED[:position] + character + SIGNED[position + 1 :], VERIFIER)


def test_invalid_checkpoint_values_are_rejected() -> None:
    for origin in ["", " padded", "two\nlines", "\u2014 dash"]:
        with pytest.raises(CheckpointError, match="origin"):
            Checkpoint(origin, 1, ROOT)
    for size in [-1, 2**63, True]:
        with pytest.raises(CheckpointError, match="size"):
            Checkpoint(ORIGIN, size, ROOT)
    with pytest.raises(CheckpointError, match="root hash must be 32 bytes"):
        Checkpoint(ORIGIN, 1, ROOT[:16])
    with pytest.raises(AuditKeyError, match="must not contain"):
        Signer("a+b", SIGNER.seed)
    with pytest.raises(AuditKeyError, match="32 bytes"):
        Signer(ORIGIN, b"short")
