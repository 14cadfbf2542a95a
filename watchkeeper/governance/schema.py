"""The database tables: who may act, what is enrolled, what was searched, and the audit log.

Biometric data (descriptors, enrolled images, kept probes) sits only in tables written by the governance
services, each write in the same transaction as its audit entry. Changes to these tables are Alembic
migrations (``watchkeeper/governance/migrations``); tests check the models and the migrations agree.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, composite, mapped_column, relationship

from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.codecs import (
    DescriptorColumn,
    EnumList,
    EnumText,
    RegionMap,
    StoredDescriptor,
    StringList,
)
from watchkeeper.governance.roles import Role
from watchkeeper.governance.vocabulary import (
    ContactKind,
    DocumentKind,
    FoiProvision,
    FoiStatus,
    TechnologyCategory,
    UseStage,
)
from watchkeeper.matching import IndexKind
from watchkeeper.types import BoundingBox, FrameRegion, ImageSize

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


NEVER_REUSED_IDS: Final = {"sqlite_autoincrement": True}
"""Table options for rows whose ids name biometric data or a gallery: SQLite otherwise hands a deleted
row's id to the next row, so a face id, a search's candidate or a gallery's index file could come to
mean someone else. PostgreSQL sequences never go back, so the option only changes SQLite."""


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite keeps no zone: it is put back on reading).

    A naive datetime is refused on writing: its zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Watchkeeper stores only timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(EnumText(Role, 20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Gallery(Base):
    """A set of subjects searched together: custody images, a case's images, a watchlist's source."""

    __tablename__ = "galleries"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    index_kind: Mapped[IndexKind] = mapped_column(EnumText(IndexKind, 20))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    """How many times the gallery's faces have changed (for people: a count, not an identity)."""
    generation: Mapped[str] = mapped_column(String(32))
    """A random token written afresh with every change to the gallery's faces (and at creation). A gallery
    index, in memory or in its file, is stamped with the generation it reflects and used only while the
    database holds that same token: no other gallery, no later state of this one and no rolled-back change
    can produce it again, in any process."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    subjects: Mapped[list[Subject]] = relationship(back_populates="gallery", cascade="all, delete-orphan")


class Subject(Base):
    """A person in a gallery, with why they are there and until when."""

    __tablename__ = "subjects"
    __table_args__ = (
        UniqueConstraint("gallery_id", "reference", name="uq_subjects_gallery_reference"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(200))
    category: Mapped[SubjectCategory] = mapped_column(EnumText(SubjectCategory, 40))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)

    gallery: Mapped[Gallery] = relationship(back_populates="subjects")
    faces: Mapped[list[EnrolledFace]] = relationship(back_populates="subject", cascade="all, delete-orphan")


class EnrolledFace(Base):
    """One enrolled face: its descriptor, where it was in which image, and the image itself."""

    __tablename__ = "enrolled_faces"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id", ondelete="CASCADE"), index=True)
    descriptor: Mapped[StoredDescriptor] = mapped_column(DescriptorColumn())
    image_name: Mapped[str] = mapped_column(Text)
    image_sha256: Mapped[str] = mapped_column(String(64))
    image_format: Mapped[str] = mapped_column(String(10))
    image: Mapped[bytes] = mapped_column(LargeBinary)
    box_left: Mapped[int] = mapped_column(Integer)
    box_top: Mapped[int] = mapped_column(Integer)
    box_right: Mapped[int] = mapped_column(Integer)
    box_bottom: Mapped[int] = mapped_column(Integer)
    box: Mapped[BoundingBox] = composite(BoundingBox, "box_left", "box_top", "box_right", "box_bottom")
    """Where the face is in its image (upright), from its four edge columns."""
    inter_ocular_px: Mapped[float] = mapped_column(Float)
    enrolled_by: Mapped[str] = mapped_column(String(100))
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    face_uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    """The face's public identifier (a face-level API names faces by it, never by the row number)."""
    image_uuid: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
    """Shared by the faces enrolled from one image."""
    image_width: Mapped[int] = mapped_column(Integer)
    image_height: Mapped[int] = mapped_column(Integer)
    image_size: Mapped[ImageSize] = composite(ImageSize, "image_width", "image_height")
    """The upright image's size, so the box can be given as fractions of it without decoding the image."""
    detection_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    """The detector's score for the face (unknown for faces enrolled before it was kept)."""
    external_image_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    """The label a client gave the image when indexing it through the face-level API."""

    subject: Mapped[Subject] = relationship(back_populates="faces")


class Search(Base):
    """A retrospective search: who ran it, for which case and why, and (only if the case asks) the probe."""

    __tablename__ = "searches"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gallery_id: Mapped[int | None] = mapped_column(ForeignKey("galleries.id", ondelete="SET NULL"), index=True)
    gallery_name: Mapped[str] = mapped_column(String(100))
    case_reference: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(Text)
    performed_by: Mapped[str] = mapped_column(String(100))
    performed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    probe_name: Mapped[str] = mapped_column(Text)
    probe_sha256: Mapped[str] = mapped_column(String(64))
    probe_descriptor: Mapped[StoredDescriptor | None] = mapped_column(DescriptorColumn(), nullable=True)
    probe_image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    probe_kept_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    k: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    footage: Mapped[str | None] = mapped_column(Text, nullable=True)
    """For a search through recorded footage: the video searched (then ``gallery_name`` is empty)."""

    candidates: Mapped[list[SearchCandidate]] = relationship(back_populates="search", cascade="all, delete-orphan")
    segments: Mapped[list[FootageSegment]] = relationship(cascade="all, delete-orphan")


class SearchCandidate(Base):
    __tablename__ = "search_candidates"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="SET NULL"), nullable=True)
    subject_reference: Mapped[str] = mapped_column(String(200))
    face_id: Mapped[int | None] = mapped_column(ForeignKey("enrolled_faces.id", ondelete="SET NULL"), nullable=True)
    distance: Mapped[float] = mapped_column(Float)
    similarity: Mapped[float] = mapped_column(Float)

    search: Mapped[Search] = relationship(back_populates="candidates")


class FootageSegment(Base):
    """Where in a recorded video the probe person appears: a span, its best distance and a thumbnail."""

    __tablename__ = "footage_segments"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    distance: Mapped[float] = mapped_column(Float)
    similarity: Mapped[float] = mapped_column(Float)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    """JPEG of the best-matching face in the span (a face that matched the probe; nothing else is kept)."""


class AuditEntryRow(Base):
    """One audit entry: its canonical bytes (what the leaf hash covers) and the leaf hash itself.

    Retention may prune an old entry's content (``canonical`` set to NULL) while its leaf hash stays, so
    the tree, its signed heads and every other entry's proofs remain verifiable.
    """

    __tablename__ = "audit_entries"

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    canonical: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AuditCheckpoint(Base):
    """A signed tree head over the first ``size`` entries."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    signed_text: Mapped[str] = mapped_column(Text)


class AuditNode(Base):
    """The hash of a perfect subtree of the audit log above its leaves: the 2**level leaves from
    ``position * 2**level`` on. Written by the append that completes it, in the act's transaction, and never
    changed, so a proof reads the O(log n) nodes it needs instead of every leaf hash. A stored node is a
    claim like a stored leaf hash: full verification recomputes each from the leaves."""

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class AuditState(Base):
    """The log's one-row head: its size and the Merkle frontier needed to append without rereading it.

    Appending locks this row, so concurrent writers take sequence numbers one at a time.
    """

    __tablename__ = "audit_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[bytes] = mapped_column(LargeBinary)
    configuration_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """SHA-256 of the configuration last recorded in the log, so a changed configuration is audited."""


class Deployment(Base):
    """An authorised use of live recognition: who authorised it, why, where, when, and against whom.

    Nothing runs without one; its watchlist is a frozen snapshot of a gallery taken at authorisation, so
    later changes to the gallery cannot silently widen who is looked for.
    """

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    purpose: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    cameras: Mapped[tuple[str, ...]] = mapped_column(StringList())
    """The names of the cameras the deployment may use."""
    mode: Mapped[str] = mapped_column(String(20))
    trial: Mapped[bool] = mapped_column(Boolean)
    gallery_name: Mapped[str] = mapped_column(String(100))
    threshold: Mapped[float] = mapped_column(Float)
    authorised_by: Mapped[str] = mapped_column(String(100))
    authorising_officer: Mapped[str] = mapped_column(String(200))
    authorised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))
    faces_seen: Mapped[int] = mapped_column(Integer, default=0)
    tracks: Mapped[int] = mapped_column(Integer, default=0)
    frames_processed: Mapped[int] = mapped_column(Integer, default=0)
    frames_dropped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Frames the sources dropped because recognition fell behind a live stream."""
    corrupt_skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Packets or frames the sources skipped as corrupt."""
    faces_too_small: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Faces seen below ``minimum_face_px``: counted, never matched or kept."""
    minimum_face_px: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The smallest face (inter-ocular distance in pixels) the deployment matches; None: every face found."""
    recognition_zones: Mapped[dict[str, FrameRegion]] = mapped_column(RegionMap(), default=dict, server_default="{}")
    """Per camera, the part of its picture searched for faces; a camera not named here is searched whole."""
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    watchlist: Mapped[list[WatchlistEntry]] = relationship(cascade="all, delete-orphan")


class CameraRun(Base):
    """One run of a deployment on one camera, from its start to its stop, with its counts so far.

    The running process saves the counts every minute or so (a checkpoint); a run whose process died
    without stopping it is found by its silence, and closed on record at its last checkpoint, so neither
    its counts nor the hours it ran are lost or overstated.
    """

    __tablename__ = "camera_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    camera: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checkpoint_at: Mapped[datetime] = mapped_column(UtcDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False)
    """Closed by recovery, not stopped by its process."""
    frames_processed: Mapped[int] = mapped_column(Integer, default=0)
    faces_seen: Mapped[int] = mapped_column(Integer, default=0)
    tracks: Mapped[int] = mapped_column(Integer, default=0)
    frames_dropped: Mapped[int] = mapped_column(Integer, default=0)
    corrupt_skipped: Mapped[int] = mapped_column(Integer, default=0)
    faces_too_small: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WatchlistEntry(Base):
    """One face of the frozen watchlist of a deployment (deleted when the deployment ends)."""

    __tablename__ = "watchlist_entries"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    subject_reference: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    descriptor: Mapped[StoredDescriptor] = mapped_column(DescriptorColumn())
    image: Mapped[bytes] = mapped_column(LargeBinary)
    """The enrolled face cut from its image with a margin (JPEG), for the operator to compare with the live
    crop. Snapshots taken before portraits were cut hold the whole enrolment image."""


class Alert(Base):
    """A possible match raised by a deployment, for an operator to confirm or reject."""

    __tablename__ = "alerts"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int | None] = mapped_column(
        ForeignKey("deployments.id", ondelete="SET NULL"), index=True, nullable=True
    )
    deployment_name: Mapped[str] = mapped_column(String(100))
    camera: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    stream_seconds: Mapped[float] = mapped_column(Float)
    track_id: Mapped[int] = mapped_column(Integer)
    crop: Mapped[bytes] = mapped_column(LargeBinary)
    """JPEG of the best-matching live face (aligned chip): biometric data, kept under alert retention."""
    subject_reference: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    distance: Mapped[float] = mapped_column(Float)
    similarity: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20), default="pending")
    outcome_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    action_taken: Mapped[str | None] = mapped_column(Text, nullable=True)
    adjudicated_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    adjudicated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AccessKey(Base):
    """A user's access key pair, for the HTTP API and the Rekognition-compatible endpoint.

    The secret is kept encrypted (AES-GCM under a key in the data directory), not hashed: request signing
    (AWS Signature Version 4) needs the secret itself on the verifying side.
    """

    __tablename__ = "access_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_key_id: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_nonce: Mapped[bytes] = mapped_column(LargeBinary)
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    description: Mapped[str] = mapped_column(Text, default="")
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class Technology(Base):
    """One system or product of the force's surveillance and analytics technology, in the register.

    Watchkeeper records its own use (deployments, searches) in the audit log; the register adds what no
    system records by itself: other suppliers' products, contracts, costs, meetings and governing documents.
    Each register row keeps the sequence of the audit entry that recorded it, so a report can cite it.
    """

    __tablename__ = "technologies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    categories: Mapped[tuple[TechnologyCategory, ...]] = mapped_column(EnumList(TechnologyCategory))
    """Its categories (a product may do both live and retrospective recognition)."""
    supplier: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    this_system: Mapped[bool] = mapped_column(Boolean, default=False)
    """An entry for this Watchkeeper installation (there may be several, e.g. one per category or stage):
    its own audited deployments and searches are reported under these entries, whatever they are called."""
    components: Mapped[str] = mapped_column(Text)
    """JSON list of the models or components and their versions (Watchkeeper's own are read from the
    installed package); ``[]`` when not recorded."""
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)


class TechnologyUse(Base):
    """A period of planned, trial or ongoing use of a technology (a trial followed by adoption is two)."""

    __tablename__ = "technology_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    stage: Mapped[UseStage] = mapped_column(EnumText(UseStage, 20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    camera_kinds: Mapped[tuple[str, ...]] = mapped_column(StringList())
    """The kinds of camera used in this stage (``static``, ``portable``); empty if none or unknown. A fact
    of the stage, not of the technology: a trial on portable cameras may be followed by static ones."""
    approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    """When a plan was approved (planned stages); answers about plans look forward only from plans approved
    by their as-of date."""
    notes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)


class Contract(Base):
    """A contract with a supplier for a technology: its reference, purpose and term."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    supplier: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Where the contract is already published (a contracts finder notice): answers cite it, since
    information reasonably accessible by other means is exempt (section 21)."""
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)


class Cost(Base):
    """Money spent on a technology in one year, for a trial or for ongoing use, in pence."""

    __tablename__ = "costs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True, nullable=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    stage: Mapped[UseStage] = mapped_column(EnumText(UseStage, 20))
    use_id: Mapped[int | None] = mapped_column(
        ForeignKey("technology_uses.id", ondelete="SET NULL"), index=True, nullable=True
    )
    """The stage of use it paid for, when stated (else the technology's stage of that kind)."""
    supplier: Mapped[str] = mapped_column(String(200))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)


class VendorContact(Base):
    """A meeting or correspondence with a supplier (or a prospective one) about a technology."""

    __tablename__ = "vendor_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technology_id: Mapped[int | None] = mapped_column(
        ForeignKey("technologies.id", ondelete="SET NULL"), index=True, nullable=True
    )
    supplier: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ContactKind] = mapped_column(EnumText(ContactKind, 20))
    occurred_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)


class GoverningDocument(Base):
    """One version of a document that governs a technology: policy, SOP, DPIA or equality impact assessment.

    A later version of the same kind for the same technology supersedes it from its own date.
    """

    __tablename__ = "governing_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(EnumText(DocumentKind, 20))
    title: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)
    """Published in redacted form: an answer says so, since what was withheld is not accessible there."""
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)


class RetentionStatement(Base):
    """The force's retention policy for a technology in its own words, in force from a date.

    Watchkeeper enforces its own retention periods (the configuration, in the audit log); this is what the
    force's policy says, for any technology, so an answer can quote both.
    """

    __tablename__ = "retention_statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    in_force_from: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)


class FoiRequest(Base):
    """A Freedom of Information request about the force's technology, from receipt to answer."""

    __tablename__ = "foi_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    summary: Mapped[str] = mapped_column(Text)
    requester_named: Mapped[bool] = mapped_column(Boolean)
    requester_address_given: Mapped[bool] = mapped_column(Boolean)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The day the request became valid (name and address for correspondence both given): the receipt
    date of section 10, from which the clock runs. None while either is missing."""
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[FoiStatus] = mapped_column(EnumText(FoiStatus, 20))
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    exemptions: Mapped[tuple[FoiProvision, ...]] = mapped_column(EnumList(FoiProvision))
    """The sections applied (``s24(2)``, ``s31(3)``, ``s21``, ...); empty if none."""
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_sequence: Mapped[int] = mapped_column(BigInteger)
    answer_audit_sequence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
