"""The audit log's errors, each a :class:`~watchkeeper.errors.WatchkeeperError` with its own stable code.

A verifier (a client checking a proof, an auditor checking a checkpoint) must be able to tell "this is
not valid" from "the program crashed": every malformed or hostile input ends in one of these, never in an
``IndexError`` or a ``binascii.Error``, and the message names the values that were wrong.
"""

from __future__ import annotations

from watchkeeper.errors import WatchkeeperError


class AuditError(WatchkeeperError):
    """Base of the audit log's errors."""

    code = "audit_error"


class TreeRangeError(AuditError):
    """A request for tree nodes or a proof that cannot be answered: an index or size out of range."""

    code = "audit_range_invalid"


class ProofError(AuditError):
    """An inclusion or consistency proof that does not verify, or is malformed."""

    code = "audit_proof_invalid"


class CheckpointError(AuditError):
    """A checkpoint (signed tree head) that is malformed, signed by another key, or whose signature fails."""

    code = "audit_checkpoint_invalid"


class AuditKeyError(AuditError):
    """A signing or verifier key that cannot be read: bad PEM, bad key line, or a key id that does not match."""

    code = "audit_key_invalid"


class EntryError(AuditError):
    """An audit entry whose fields are invalid, or stored bytes that are not a canonical audit entry."""

    code = "audit_entry_invalid"


class EventError(EntryError):
    """An audit entry that is not a recorded act this version knows: an unknown action, a target not of the
    act's form, or details with a key missing, unexpected or of the wrong type. A report that meets one
    stops and names it, rather than counting the entry as nothing."""

    code = "audit_event_unreadable"
