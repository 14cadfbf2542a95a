"""Signed tree heads ("checkpoints") as C2SP signed notes with Ed25519 signatures.

A checkpoint commits the log's operator to the log's first ``size`` entries: anyone holding the verifier key
can later check that the stored log still hashes to the signed root, and (with a consistency proof) that a
newer checkpoint extends it. The text follows the C2SP ``tlog-checkpoint`` and ``signed-note`` formats, so
existing transparency tooling (witnesses, Go's ``golang.org/x/mod/sumdb/note``) can read it::

    watchkeeper.example/audit
    42
    <base64 of the 32-byte root hash>

    — watchkeeper.example/audit <base64 of key id (4 bytes) || Ed25519 signature (64 bytes)>

The signature covers the note body, the three lines above the blank line including the final newline. The
key id is the first 4 bytes of ``SHA-256(name || "\\n" || 0x01 || public key)``, 0x01 being the signed-note
algorithm byte for Ed25519; it lets a verifier pick its signature among several (say, a witness's
co-signature). Verifier keys are one line, ``<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>``,
exactly as Go's note package writes them; signing keys are PKCS #8 PEM.

This format deliberately has no extension lines: :func:`open_checkpoint` rejects any it finds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from watchkeeper.governance.audit.errors import AuditKeyError, CheckpointError
from watchkeeper.governance.audit.merkle import HASH_SIZE

ED25519_ALGORITHM = b"\x01"
"""The signed-note algorithm byte for Ed25519."""

SIGNATURE_PREFIX = "\u2014 "
"""Every signature line starts with an em dash and a space."""

KEY_ID_SIZE = 4
SIGNATURE_SIZE = 64
MAX_CHECKPOINT_CHARS = 65536
"""Checkpoints are a few hundred characters; anything far longer is refused before parsing."""
MAX_SIGNATURES = 100
"""As in the signed-note specification: more signature lines than this make a note malformed."""

_SIZE_PATTERN = re.compile(r"0|[1-9][0-9]{0,18}")


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(character).startswith("C") for character in text)


def _check_name(name: object, what: str, error: type[Exception]) -> str:
    """Key names (and origins) are non-empty, printable, without spaces or '+', as signed notes require."""
    if not isinstance(name, str) or not name:
        raise error(f"{what} must be a non-empty string, got {name!r}")
    if "+" in name or any(character.isspace() for character in name) or _has_control_characters(name):
        raise error(f"{what} {name!r} must not contain '+', spaces or control characters")
    return name


def _b64decode(text: str, what: str, error: type[Exception]) -> bytes:
    """Strict standard base64: bad characters or a non-canonical encoding are rejected, not ignored."""
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise error(f"{what} is not valid base64: {text!r}") from exc
    if base64.b64encode(decoded).decode("ascii") != text:
        raise error(f"{what} is not canonical base64: {text!r}")
    return decoded


def _key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALGORITHM + public_key).digest()[:KEY_ID_SIZE]


@dataclass(frozen=True)
class Checkpoint:
    """What a signed tree head asserts: the log called ``origin`` had ``size`` entries with ``root_hash``.

    ``origin`` names the log (a schema-less URL such as ``watchkeeper.example/audit``) so that a checkpoint
    of one log cannot be passed off as one of another. Invalid values raise CheckpointError.
    """

    origin: str
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin.strip() or self.origin != self.origin.strip():
            raise CheckpointError(f"checkpoint origin must be non-empty without surrounding spaces: {self.origin!r}")
        if _has_control_characters(self.origin) or self.origin.startswith(SIGNATURE_PREFIX):
            raise CheckpointError(f"checkpoint origin must be one line of printable text: {self.origin!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size < 2**63:
            raise CheckpointError(f"checkpoint size must be an integer from 0 to 2**63 - 1, got {self.size!r}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root hash must be {HASH_SIZE} bytes, got {self.root_hash!r}")

    def body(self) -> str:
        """The note body that is signed: origin, size and base64 root, one per line, newline-terminated."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode('ascii')}\n"


@dataclass(frozen=True)
class Verifier:
    """The public half of a log's signing key, under the name its signatures carry."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name, "verifier key name", AuditKeyError)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise AuditKeyError(f"an Ed25519 public key is 32 bytes, got {self.public_key!r}")

    @property
    def key_id(self) -> bytes:
        """The 4 bytes that tie a signature line to this key."""
        return _key_id(self.name, self.public_key)

    def to_text(self) -> str:
        """The one-line verifier key, ``<name>+<key id hex>+<base64(0x01 || public key)>``, to publish."""
        encoded = base64.b64encode(ED25519_ALGORITHM + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        """Read a verifier key line written by :meth:`to_text`; AuditKeyError if malformed or inconsistent."""
        parts = text.strip().split("+", 2) if isinstance(text, str) else []
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise AuditKeyError(f"a verifier key is '<name>+<8 hex digits>+<base64 key>', got {text!r}")
        name, key_id_hex, encoded = parts
        key = _b64decode(encoded, f"verifier key {name!r}", AuditKeyError)
        if len(key) != 33 or key[:1] != ED25519_ALGORITHM:
            raise AuditKeyError(f"verifier key {name!r} is not an Ed25519 key (0x01 followed by 32 bytes)")
        verifier = cls(name, key[1:])
        if verifier.key_id.hex() != key_id_hex:
            raise AuditKeyError(
                f"verifier key {name!r} claims key id {key_id_hex}, its key gives {verifier.key_id.hex()}"
            )
        return verifier

    def verifies(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A log's Ed25519 signing key (its 32-byte private seed) and the name its signatures carry.

    Keep the seed secret and out of the database that holds the log: whoever can both rewrite the log and
    sign checkpoints can rewrite history undetectably. The seed is left out of ``repr``.
    """

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name, "signing key name", AuditKeyError)
        if not isinstance(self.seed, bytes) or len(self.seed) != 32:
            raise AuditKeyError("an Ed25519 private key seed is 32 bytes")

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new random signing key called ``name`` (by convention the log's origin)."""
        seed = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return cls(name, seed)

    def _private_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def verifier(self) -> Verifier:
        """The matching public key, to publish as :meth:`Verifier.to_text`."""
        public = (
            self._private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return Verifier(self.name, public)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._private_key().sign(message)

    def to_pem(self, password: bytes | None = None) -> bytes:
        """The key as PKCS #8 PEM, encrypted with ``password`` if given (the name is not stored in it)."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self._private_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    @classmethod
    def from_pem(cls, name: str, pem: bytes, password: bytes | None = None) -> Signer:
        """Read a key written by :meth:`to_pem`; AuditKeyError if unreadable or not an Ed25519 key."""
        try:
            key = serialization.load_pem_private_key(pem, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise AuditKeyError(f"signing key {name!r}: cannot read the PEM private key ({exc})") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise AuditKeyError(f"signing key {name!r}: the PEM holds a {type(key).__name__}, not an Ed25519 key")
        seed = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return cls(name, seed)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as signed-note text: its body, a blank line and the signer's signature line."""
    body = checkpoint.body()
    signature = signer.verifier().key_id + signer.sign(body.encode("utf-8"))
    return f"{body}\n{SIGNATURE_PREFIX}{signer.name} {base64.b64encode(signature).decode('ascii')}\n"


def open_checkpoint(text: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """The checkpoint in ``text`` once ``verifier``'s signature on it checks out.

    Raises CheckpointError, saying why, if the text is malformed, carries no signature by this key (name and
    key id), the signature does not verify, or ``origin`` is given and the checkpoint is for another log.
    Signatures by other keys (co-signatures of witnesses) are allowed and ignored.
    """
    body, signature_lines = _split_note(text)
    checkpoint = _parse_body(body)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    signatures = [_parse_signature_line(line) for line in signature_lines]
    ours = [signature for name, signature in signatures if name == verifier.name and signature[:4] == verifier.key_id]
    if not ours:
        raise CheckpointError(
            f"checkpoint of {checkpoint.origin!r} at size {checkpoint.size} carries no signature by key "
            f"{verifier.name!r} (id {verifier.key_id.hex()})"
        )
    for signature in ours:
        if len(signature) != KEY_ID_SIZE + SIGNATURE_SIZE:
            raise CheckpointError(
                f"checkpoint signature by key {verifier.name!r} has {len(signature) - KEY_ID_SIZE} bytes after the "
                f"key id; an Ed25519 signature has {SIGNATURE_SIZE}"
            )
        if not verifier.verifies(body.encode("utf-8"), signature[KEY_ID_SIZE:]):
            raise CheckpointError(
                f"checkpoint of {checkpoint.origin!r} at size {checkpoint.size} with root "
                f"{checkpoint.root_hash.hex()}: the signature by key {verifier.name!r} does not verify"
            )
    return checkpoint


def _split_note(text: object) -> tuple[str, list[str]]:
    """The body (newline-terminated) and the signature lines of a signed note."""
    if not isinstance(text, str):
        raise CheckpointError(f"checkpoint must be text, got {type(text).__name__}")
    if len(text) > MAX_CHECKPOINT_CHARS:
        raise CheckpointError(f"checkpoint is {len(text)} characters long, more than {MAX_CHECKPOINT_CHARS}")
    if not text.endswith("\n") or _has_control_characters(text.replace("\n", "")):
        raise CheckpointError("checkpoint must be printable text lines, each ending in a newline")
    body, separator, signatures = text.partition("\n\n")
    if not separator:
        raise CheckpointError("checkpoint has no blank line between its body and its signatures")
    lines = signatures[:-1].split("\n") if signatures else []
    if not lines or len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"checkpoint must have 1 to {MAX_SIGNATURES} signature lines, it has {len(lines)}")
    return body + "\n", lines


def _parse_body(body: str) -> Checkpoint:
    lines = body[:-1].split("\n")
    if len(lines) != 3:
        raise CheckpointError(f"checkpoint body must be 3 lines (origin, size, root hash), it has {len(lines)}")
    origin, size_text, root_text = lines
    if not _SIZE_PATTERN.fullmatch(size_text):
        raise CheckpointError(f"checkpoint size must be a decimal number without leading zeros, got {size_text!r}")
    root = _b64decode(root_text, "checkpoint root hash", CheckpointError)
    return Checkpoint(origin, int(size_text), root)


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    """(key name, key id || signature) of one ``— <name> <base64>`` line."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise CheckpointError(f"checkpoint signature line must start with an em dash and a space: {line!r}")
    parts = line[len(SIGNATURE_PREFIX) :].split(" ")
    if len(parts) != 2:
        raise CheckpointError(f"checkpoint signature line must be '— <key name> <base64>': {line!r}")
    name = _check_name(parts[0], "checkpoint signature key name", CheckpointError)
    signature = _b64decode(parts[1], f"checkpoint signature by {name!r}", CheckpointError)
    if len(signature) <= KEY_ID_SIZE:
        raise CheckpointError(f"checkpoint signature by {name!r} is too short to hold a key id and a signature")
    return name, signature


def split_checkpoints(text: str) -> list[str]:
    """The signed notes in ``text``, in order: checkpoints one after another, as ``audit checkpoint`` prints
    them and as a witness appends them to a file, with any number of blank lines between them.

    Splitting never judges: each piece is handed to :func:`open_checkpoint`, which says what is wrong with
    a malformed one. A note ends after its signature lines (each starting with an em dash), so the blank
    line inside a note, between its body and its signatures, is told apart from the blank lines between
    notes.
    """
    notes: list[str] = []
    current: list[str] = []
    signing = False  # past the blank line that ends the current note's body
    for line in text.split("\n"):
        if signing and not line.startswith(SIGNATURE_PREFIX) and current[-1] != "":
            notes.append("\n".join(current) + "\n")
            current, signing = [], False
        if not current and not line:
            continue
        if current and not line:
            signing = True
        current.append(line)
    if current:
        notes.append("\n".join(current).rstrip("\n") + "\n")
    return notes
