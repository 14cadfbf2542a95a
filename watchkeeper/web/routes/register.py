"""The technology register: what the force uses, has trialled or plans, with the contracts, costs, vendor
contacts and governing documents that Freedom of Information requests ask about. Every change is made by
the governance core, which audits it with the reason the form requires."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from watchkeeper.governance import register
from watchkeeper.governance.deployments import DeploymentMode
from watchkeeper.governance.vocabulary import ContactKind, DocumentKind, TechnologyCategory, UseStage
from watchkeeper.server.inputs import RecordNumber
from watchkeeper.web.pages import FormSession, Session, Text, Web, WebRoute, done, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/register"
Name = Annotated[str, Form(min_length=1, max_length=100)]
"""A technology's name or a contract's reference, as the register keys them."""
Line = Annotated[str, Form(min_length=1, max_length=200)]
Details = Annotated[str, Form(max_length=2000)]
"""Free text that may be left empty: a description, notes."""
Day = Annotated[date, Form()]
OpenDay = Annotated[date | None, Form()]
"""A date that may be left empty: an end not yet known, a document not yet published."""
Url = Annotated[str, Form(min_length=1, max_length=2000)]
OpenUrl = Annotated[str | None, Form(max_length=2000)]
"""Where a record is published, if it is; the core checks it is a web address."""


@router.get(PAGE)
def register_page(request: Request, session: Session, web: Web) -> Response:
    found = register.read_register(web.server.gov, session.signed_in.actor)
    return render(
        request,
        session,
        "register.html",
        register=found,
        watchkeeper_registered=any(technology.this_system for technology in found.technologies),
        watchkeeper_name=register.WATCHKEEPER_NAME,
        watchkeeper_categories=register.WATCHKEEPER_CATEGORIES,
        categories=list(TechnologyCategory),
        camera_kinds=list(DeploymentMode),
        stages=list(UseStage),
        cost_stages=[stage for stage in UseStage if stage is not UseStage.PLANNED],
        contact_kinds=list(ContactKind),
        document_kinds=list(DocumentKind),
        open_uses=[use for use in found.uses if use.ends_on is None],
        paid_uses=[use for use in found.uses if use.stage is not UseStage.PLANNED],
        unpublished_contracts=[contract for contract in found.contracts if contract.published_url is None],
        unpublished=[document for document in found.documents if document.published_on is None],
        this_year=web.server.gov.clock.now().year,
    )


@router.post(f"{PAGE}/watchkeeper")
def register_watchkeeper(
    session: FormSession,
    web: Web,
    name: Name,
    supplier: Line,
    reason: Text,
    categories: Annotated[list[TechnologyCategory] | None, Form()] = None,
) -> Response:
    """This system, its components read from the installation rather than typed in; entered again under
    another name, an entry per category (live deployments apart from retrospective search)."""
    record = register.register_watchkeeper(
        web.server.gov,
        session.signed_in.actor,
        supplier.strip(),
        reason.strip(),
        name=name.strip(),
        categories=tuple(categories or ()),
    )
    return done(session, PAGE, f"{record.name} registered as {record.product}.")


@router.post(f"{PAGE}/technologies")
def add_technology(
    session: FormSession,
    web: Web,
    name: Name,
    supplier: Line,
    product: Line,
    reason: Text,
    categories: Annotated[list[TechnologyCategory] | None, Form()] = None,
    description: Details = "",
) -> Response:
    spec = register.TechnologySpec(
        name=name.strip(),
        categories=tuple(categories or ()),
        supplier=supplier.strip(),
        product=product.strip(),
        description=description.strip(),
    )
    record = register.add_technology(web.server.gov, session.signed_in.actor, spec, reason.strip())
    return done(session, PAGE, f"{record.name} registered.")


@router.post(f"{PAGE}/uses")
def record_use(
    session: FormSession,
    web: Web,
    technology: Name,
    stage: Annotated[UseStage, Form()],
    starts_on: Day,
    reason: Text,
    ends_on: OpenDay = None,
    approved_on: OpenDay = None,
    camera_kinds: Annotated[list[DeploymentMode] | None, Form()] = None,
    notes: Details = "",
) -> Response:
    """A plan, trial or period of ongoing use, with the kinds of camera used in it (portable in a trial,
    static afterwards) and, for a plan, the day it was approved."""
    record = register.record_use(
        web.server.gov,
        session.signed_in.actor,
        technology=technology,
        stage=stage,
        starts_on=starts_on,
        ends_on=ends_on,
        notes=notes.strip(),
        reason=reason.strip(),
        camera_kinds=tuple(camera_kinds or ()),
        approved_on=approved_on,
    )
    return done(session, PAGE, f"{record.stage.value.capitalize()} of {record.technology} recorded (use {record.id}).")


@router.post(f"{PAGE}/use-ends")
def end_use(
    session: FormSession, web: Web, use: Annotated[RecordNumber, Form()], ends_on: Day, reason: Text
) -> Response:
    record = register.end_use(
        web.server.gov, session.signed_in.actor, use_id=use, ends_on=ends_on, reason=reason.strip()
    )
    return done(session, PAGE, f"Use {record.id} of {record.technology} ended on {record.ends_on}.")


@router.post(f"{PAGE}/contracts")
def record_contract(
    session: FormSession,
    web: Web,
    technology: Name,
    reference: Name,
    supplier: Line,
    purpose: Text,
    starts_on: Day,
    reason: Text,
    ends_on: OpenDay = None,
    published_url: OpenUrl = None,
) -> Response:
    """A contract, with where it is already published if it is (so an answer can cite section 21)."""
    record = register.record_contract(
        web.server.gov,
        session.signed_in.actor,
        technology=technology,
        reference=reference.strip(),
        supplier=supplier.strip(),
        purpose=purpose.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        published_url=published_url,
    )
    return done(session, PAGE, f"Contract {record.reference} with {record.supplier} recorded.")


@router.post(f"{PAGE}/contract-publications")
def publish_contract(session: FormSession, web: Web, contract: Name, url: Url, reason: Text) -> Response:
    record = register.publish_contract(
        web.server.gov, session.signed_in.actor, reference=contract, url=url.strip(), reason=reason.strip()
    )
    return done(session, PAGE, f"Contract {record.reference} published at {record.published_url}.")


@router.post(f"{PAGE}/costs")
def record_cost(
    session: FormSession,
    web: Web,
    technology: Name,
    year: Annotated[int, Form(ge=1900, le=9999)],
    stage: Annotated[UseStage, Form()],
    amount: Annotated[str, Form(min_length=1, max_length=40)],
    reason: Text,
    description: Details = "",
    contract: Annotated[str | None, Form(max_length=100)] = None,
    supplier: Annotated[str | None, Form(max_length=200)] = None,
    use: Annotated[RecordNumber | None, Form()] = None,
) -> Response:
    """Money spent in a year, and the stage of use it paid for where known, so it is never reported for
    a period that ended before that stage began."""
    record = register.record_cost(
        web.server.gov,
        session.signed_in.actor,
        technology=technology,
        year=year,
        stage=stage,
        amount_pence=register.pence_from_pounds(amount),
        description=description.strip(),
        reason=reason.strip(),
        contract=contract,
        supplier=supplier.strip() if supplier else None,
        use_id=use,
    )
    return done(session, PAGE, f"Cost of {record.technology} in {record.year} recorded, paid to {record.supplier}.")


@router.post(f"{PAGE}/contacts")
def record_contact(
    session: FormSession,
    web: Web,
    supplier: Line,
    kind: Annotated[ContactKind, Form()],
    occurred_on: Day,
    summary: Text,
    reason: Text,
    technology: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """A meeting or letter, about a registered technology or (none chosen) one not adopted."""
    record = register.record_contact(
        web.server.gov,
        session.signed_in.actor,
        technology=technology,
        supplier=supplier.strip(),
        kind=kind,
        occurred_on=occurred_on,
        summary=summary.strip(),
        reason=reason.strip(),
    )
    return done(
        session, PAGE, f"{record.kind.value.capitalize()} with {record.supplier} on {record.occurred_on} recorded."
    )


@router.post(f"{PAGE}/documents")
def record_document(
    session: FormSession,
    web: Web,
    technology: Name,
    kind: Annotated[DocumentKind, Form()],
    title: Line,
    version: Annotated[str, Form(min_length=1, max_length=50)],
    issued_on: Day,
    reason: Text,
    published_on: OpenDay = None,
    url: OpenUrl = None,
    redacted: Annotated[bool, Form()] = False,
) -> Response:
    record = register.record_document(
        web.server.gov,
        session.signed_in.actor,
        technology=technology,
        kind=kind,
        title=title.strip(),
        version=version.strip(),
        issued_on=issued_on,
        reason=reason.strip(),
        published_on=published_on,
        url=url.strip() if url else None,
        redacted=redacted,
    )
    return done(session, PAGE, f"{record.title} (version {record.version}) recorded for {record.technology}.")


@router.post(f"{PAGE}/publications")
def publish_document(
    session: FormSession,
    web: Web,
    document: Annotated[RecordNumber, Form()],
    published_on: Day,
    url: Url,
    reason: Text,
    redacted: Annotated[bool, Form()] = False,
) -> Response:
    record = register.publish_document(
        web.server.gov,
        session.signed_in.actor,
        document_id=document,
        published_on=published_on,
        url=url.strip(),
        reason=reason.strip(),
        redacted=redacted,
    )
    return done(session, PAGE, f"{record.title} (version {record.version}) published on {record.published_on}.")


@router.post(f"{PAGE}/retention-statements")
def state_retention(
    session: FormSession, web: Web, technology: Name, text: Text, in_force_from: Day, reason: Text
) -> Response:
    """The force's retention policy in its own words, quoted in answers beside the enforced periods."""
    record = register.state_retention(
        web.server.gov,
        session.signed_in.actor,
        technology=technology,
        text=text.strip(),
        in_force_from=in_force_from,
        reason=reason.strip(),
    )
    return done(session, PAGE, f"Retention policy of {record.technology} from {record.in_force_from} recorded.")
