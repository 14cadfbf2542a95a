"""What a witness that keeps only signed heads needs: the log's newest head together with an RFC 9162
consistency proof from the witness's own older head, and the check it runs with nothing else.

A witness keeps the heads it was given (the text ``audit checkpoint`` prints). Asked for an update
``since`` its newest one, the log answers with a :class:`HeadUpdate`; :func:`check_update` then proves,
trusting only the verifier key and the witness's own head, that the new head extends the old: the same
entries, with more after them. A log cut short, rolled back, or rewritten under the same key (an operator
who signs two histories) cannot produce such a proof.

The JSON form (:meth:`HeadUpdate.to_json`) is the same from the command line and over HTTP:
``{"signed": new signed head text, "consistency": {"old_size", "new_size", "old_root", "new_root",
"proof": [hash, ...]}}``, hashes in lowercase hex as RFC 9162 and its test vectors write them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from watchkeeper.governance.audit.checkpoint import Checkpoint, Verifier, open_checkpoint
from watchkeeper.governance.audit.errors import ProofError
from watchkeeper.governance.audit.proofs import verify_consistency

JsonDocument = dict[str, object]
_HEX = re.compile(r"(?:[0-9a-f]{2})*")


@dataclass(frozen=True)
class HeadUpdate:
    """The newest signed head (``signed``, of ``new_size`` entries and ``new_root``) and the consistency
    proof that it extends the tree of ``old_size`` entries, whose root the log computes as ``old_root``.

    ``old_root``, ``new_size`` and ``new_root`` are the log's claims, repeated for people and tools that read
    the JSON; :func:`check_update` trusts none of them, only the signatures and the proof.
    """

    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: tuple[bytes, ...]
    signed: str

    def to_json(self) -> JsonDocument:
        return {
            "signed": self.signed,
            "consistency": {
                "old_size": self.old_size,
                "new_size": self.new_size,
                "old_root": self.old_root.hex(),
                "new_root": self.new_root.hex(),
                "proof": [element.hex() for element in self.proof],
            },
        }

    @classmethod
    def from_json(cls, document: object) -> HeadUpdate:
        """The update in a JSON document of :meth:`to_json`'s shape (other members are ignored, so the
        whole ``audit checkpoint --since --json`` output or HTTP body will do); ProofError if malformed."""
        if not isinstance(document, Mapping) or not isinstance(document.get("signed"), str):
            raise ProofError('the update must be a JSON object with the signed head text in "signed"')
        consistency = document.get("consistency")
        if not isinstance(consistency, Mapping):
            raise ProofError('the update has no "consistency" object')
        proof = consistency.get("proof")
        if not isinstance(proof, list):
            raise ProofError('"consistency.proof" must be a list of hex hashes')
        return cls(
            old_size=_size(consistency.get("old_size"), "old_size"),
            new_size=_size(consistency.get("new_size"), "new_size"),
            old_root=_hex(consistency.get("old_root"), "old_root"),
            new_root=_hex(consistency.get("new_root"), "new_root"),
            proof=tuple(_hex(element, f"proof element {position}") for position, element in enumerate(proof)),
            signed=document["signed"],
        )


def _size(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f'"consistency.{name}" must be a non-negative integer, got {value!r}')
    return value


def _hex(value: object, name: str) -> bytes:
    if isinstance(value, str) and _HEX.fullmatch(value):
        return bytes.fromhex(value)
    raise ProofError(f'"consistency.{name}" must be a hash in lowercase hex, got {value!r}')


def check_update(old: Checkpoint, update: HeadUpdate, verifier: Verifier) -> Checkpoint:
    """The new head of ``update``, once proven to extend the witness's head ``old`` (opened, so signed).

    The new head must carry the log's signature and the old head's origin (CheckpointError otherwise).
    ProofError when the update is not for the witness's head, contradicts its own signed head, goes back
    in size, gives another root for the witness's size (the log has two histories), or its proof does not
    verify (RFC 9162 §2.1.4.2).
    """
    new = open_checkpoint(update.signed, verifier, old.origin)
    if update.old_size != old.size:
        raise ProofError(f"the proof is from size {update.old_size}, but the witness's head is of size {old.size}")
    if (update.new_size, update.new_root) != (new.size, new.root_hash):
        raise ProofError(
            f"the proof is to size {update.new_size}, root {update.new_root.hex()}, not to the signed "
            f"head of size {new.size}, root {new.root_hash.hex()}"
        )
    if new.size < old.size:
        raise ProofError(f"the new head is of size {new.size}, smaller than the witness's {old.size}: rolled back")
    if update.old_root != old.root_hash:
        raise ProofError(
            f"the log's root at size {old.size} is {update.old_root.hex()}, but the witness's head "
            f"signs {old.root_hash.hex()}: the log is not the one the witness saw"
        )
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, update.proof)
    return new


def newest_head(heads: Sequence[str], verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """The largest of ``heads`` (signed-note texts a witness kept), each checked; CheckpointError if one
    does not verify, ProofError if there are none."""
    opened = [open_checkpoint(text, verifier, origin) for text in heads]
    if not opened:
        raise ProofError("no signed head was given")
    return max(opened, key=lambda head: head.size)
