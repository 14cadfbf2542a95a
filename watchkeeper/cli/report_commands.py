"""``watchkeeper register ...``, ``watchkeeper foi ...`` and ``watchkeeper report [foi]``: the technology
register, the FOI log, transparency reports and draft FOI answers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from watchkeeper.cli import output
from watchkeeper.cli.governance_commands import Reason, User
from watchkeeper.cli.governed import governed
from watchkeeper.cli.options import JsonOutput
from watchkeeper.governance import foi, register, users, vocabulary
from watchkeeper.governance.deployments import DeploymentMode
from watchkeeper.reports.figures import Period
from watchkeeper.reports.layout import cite
from watchkeeper.reports.questions import read_questions
from watchkeeper.reports.service import AnswerScope, foi_answers, transparency_report, write_answers, write_report

register_app = typer.Typer(help="The register of surveillance and analytics technology.", no_args_is_help=True)
foi_app = typer.Typer(help="The log of Freedom of Information requests.", no_args_is_help=True)
report_app = typer.Typer(
    help="Transparency reports and draft FOI answers, from the records.", invoke_without_command=True
)

TechnologyName = Annotated[str, typer.Argument(help="The technology's name in the register.")]
Stage = Annotated[vocabulary.UseStage, typer.Option("--stage", help="planned, trial or ongoing.")]
OutputDir = Annotated[
    Path | None, typer.Option("--output-dir", help="Write Markdown, CSV, PDF (and charts) here.", show_default=False)
]
AsOf = Annotated[
    datetime | None,
    typer.Option(
        "--as-of", formats=["%Y-%m-%d"], help="Figures as they stood at the end of this day.", show_default=False
    ),
]


@register_app.command("watchkeeper")
def register_watchkeeper(
    supplier: Annotated[str, typer.Option("--supplier", help="Who supplies and supports it.", show_default=False)],
    reason: Reason,
    user: User,
    name: Annotated[str, typer.Option("--name", help="The force's name for this entry.")] = register.WATCHKEEPER_NAME,
    category: Annotated[
        list[vocabulary.TechnologyCategory] | None,
        typer.Option("--category", help="What this entry covers [default: both live and retrospective]."),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Enter this system in the register, its models and versions read from the installation. Enter it
    again under another --name for an entry of its own per category (e.g. live and retrospective)."""
    with governed(as_json) as gov:
        record = register.register_watchkeeper(
            gov,
            users.resolve_actor(gov, user),
            supplier,
            reason,
            name=name,
            categories=tuple(category or register.WATCHKEEPER_CATEGORIES),
        )
    output.emit(as_json, {"technology": output.plain(asdict(record))}, f"registered {record.name}")


@register_app.command("add")
def register_add(
    name: TechnologyName,
    category: Annotated[list[vocabulary.TechnologyCategory], typer.Option("--category", help="One or more.")],
    supplier: Annotated[str, typer.Option("--supplier", show_default=False)],
    product: Annotated[str, typer.Option("--product", show_default=False)],
    reason: Reason,
    user: User,
    description: Annotated[str, typer.Option("--description")] = "",
    as_json: JsonOutput = False,
) -> None:
    """Record another supplier's product (its camera kinds belong to each stage: `register use --camera`)."""
    with governed(as_json) as gov:
        spec = register.TechnologySpec(name, tuple(category), supplier, product, description)
        record = register.add_technology(gov, users.resolve_actor(gov, user), spec, reason)
    output.emit(as_json, {"technology": output.plain(asdict(record))}, f"registered {record.name}")


@register_app.command("use")
def register_use(
    name: TechnologyName,
    stage: Stage,
    starts: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], show_default=False)],
    reason: Reason,
    user: User,
    ends: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], show_default=False)] = None,
    notes: Annotated[str, typer.Option("--notes")] = "",
    camera: Annotated[
        list[DeploymentMode] | None, typer.Option("--camera", help="static and/or portable, used in this stage.")
    ] = None,
    approved: Annotated[
        datetime | None,
        typer.Option("--approved", formats=["%Y-%m-%d"], help="When a plan was approved.", show_default=False),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Record a period of planned, trial or ongoing use (open-ended without --to), with the kinds of camera
    used in it and, for a plan, when it was approved."""
    with governed(as_json) as gov:
        record = register.record_use(
            gov,
            users.resolve_actor(gov, user),
            technology=name,
            stage=stage,
            starts_on=starts.date(),
            ends_on=_day(ends),
            notes=notes,
            reason=reason,
            camera_kinds=tuple(camera or ()),
            approved_on=_day(approved),
        )
    output.emit(as_json, {"use": output.plain(asdict(record))}, f"use {record.id}: {name} {stage.value}")


@register_app.command("end-use")
def register_end_use(
    use_id: Annotated[int, typer.Argument(help="The use's id (from `register use` or `register list`).")],
    ends: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], show_default=False)],
    reason: Reason,
    user: User,
    as_json: JsonOutput = False,
) -> None:
    """Close an open-ended period of use."""
    with governed(as_json) as gov:
        record = register.end_use(
            gov, users.resolve_actor(gov, user), use_id=use_id, ends_on=ends.date(), reason=reason
        )
    output.emit(as_json, {"use": output.plain(asdict(record))}, f"use {use_id} ended {ends.date().isoformat()}")


@register_app.command("contract")
def register_contract(
    name: TechnologyName,
    reference: Annotated[str, typer.Option("--reference", show_default=False)],
    supplier: Annotated[str, typer.Option("--supplier", show_default=False)],
    purpose: Annotated[str, typer.Option("--purpose", show_default=False)],
    starts: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], show_default=False)],
    reason: Reason,
    user: User,
    ends: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], show_default=False)] = None,
    published_url: Annotated[
        str | None, typer.Option("--published-url", help="Where the contract is already published.")
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Record a contract with a supplier (reference, purpose, term, and where it is published)."""
    with governed(as_json) as gov:
        record = register.record_contract(
            gov,
            users.resolve_actor(gov, user),
            technology=name,
            reference=reference,
            supplier=supplier,
            purpose=purpose,
            starts_on=starts.date(),
            ends_on=_day(ends),
            reason=reason,
            published_url=published_url,
        )
    output.emit(as_json, {"contract": output.plain(asdict(record))}, f"contract {reference} recorded")


@register_app.command("publish-contract")
def register_publish_contract(
    reference: Annotated[str, typer.Argument(help="The contract's reference.")],
    url: Annotated[str, typer.Option("--url", show_default=False)],
    reason: Reason,
    user: User,
    as_json: JsonOutput = False,
) -> None:
    """Record where a contract has been published (answers then cite it under section 21)."""
    with governed(as_json) as gov:
        record = register.publish_contract(
            gov, users.resolve_actor(gov, user), reference=reference, url=url, reason=reason
        )
    output.emit(as_json, {"contract": output.plain(asdict(record))}, f"contract {reference} published")


@register_app.command("cost")
def register_cost(
    name: TechnologyName,
    year: Annotated[int, typer.Option("--year", show_default=False)],
    stage: Stage,
    amount: Annotated[str, typer.Option("--amount", help="In pounds, e.g. 12500.00.", show_default=False)],
    reason: Reason,
    user: User,
    description: Annotated[str, typer.Option("--description")] = "",
    contract: Annotated[str | None, typer.Option("--contract", help="The contract it was paid under.")] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="If not the contract's or product's.")] = None,
    use: Annotated[
        int | None, typer.Option("--use", help="The stage of use it paid for (its id from `register use`).")
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Record money spent on a technology in a year, for a trial or for ongoing use."""
    with governed(as_json) as gov:
        record = register.record_cost(
            gov,
            users.resolve_actor(gov, user),
            technology=name,
            year=year,
            stage=stage,
            amount_pence=register.pence_from_pounds(amount),
            description=description,
            reason=reason,
            contract=contract,
            supplier=supplier,
            use_id=use,
        )
    output.emit(as_json, {"cost": output.plain(asdict(record))}, f"cost recorded for {name} in {year}")


@register_app.command("contact")
def register_contact(
    supplier: Annotated[str, typer.Argument(help="The vendor met or written to.")],
    kind: Annotated[vocabulary.ContactKind, typer.Option("--kind", help="meeting or correspondence.")],
    on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], show_default=False)],
    summary: Annotated[str, typer.Option("--summary", show_default=False)],
    reason: Reason,
    user: User,
    technology: Annotated[str | None, typer.Option("--technology", help="A registered technology.")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Record a meeting or correspondence with a vendor."""
    with governed(as_json) as gov:
        record = register.record_contact(
            gov,
            users.resolve_actor(gov, user),
            technology=technology,
            supplier=supplier,
            kind=kind,
            occurred_on=on.date(),
            summary=summary,
            reason=reason,
        )
    output.emit(as_json, {"contact": output.plain(asdict(record))}, f"{kind.value} with {supplier} recorded")


@register_app.command("document")
def register_document(
    name: TechnologyName,
    kind: Annotated[vocabulary.DocumentKind, typer.Option("--kind", help="policy, sop, dpia, eia or other.")],
    title: Annotated[str, typer.Option("--title", show_default=False)],
    version: Annotated[str, typer.Option("--version", show_default=False)],
    issued: Annotated[datetime, typer.Option("--issued", formats=["%Y-%m-%d"], show_default=False)],
    reason: Reason,
    user: User,
    published: Annotated[datetime | None, typer.Option("--published", formats=["%Y-%m-%d"])] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where it is published.")] = None,
    redacted: Annotated[bool, typer.Option("--redacted", help="Published in redacted form.")] = False,
    as_json: JsonOutput = False,
) -> None:
    """Record a version of a governing document (published with --published and --url)."""
    with governed(as_json) as gov:
        record = register.record_document(
            gov,
            users.resolve_actor(gov, user),
            technology=name,
            kind=kind,
            title=title,
            version=version,
            issued_on=issued.date(),
            reason=reason,
            published_on=_day(published),
            url=url,
            redacted=redacted,
        )
    output.emit(as_json, {"document": output.plain(asdict(record))}, f"document {record.id} recorded")


@register_app.command("publish")
def register_publish(
    document_id: Annotated[int, typer.Argument(help="The document's id.")],
    on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], show_default=False)],
    url: Annotated[str, typer.Option("--url", show_default=False)],
    reason: Reason,
    user: User,
    redacted: Annotated[bool, typer.Option("--redacted", help="Published in redacted form.")] = False,
    as_json: JsonOutput = False,
) -> None:
    """Record that a document has been published, where, and whether in redacted form."""
    with governed(as_json) as gov:
        record = register.publish_document(
            gov,
            users.resolve_actor(gov, user),
            document_id=document_id,
            published_on=on.date(),
            url=url,
            reason=reason,
            redacted=redacted,
        )
    output.emit(as_json, {"document": output.plain(asdict(record))}, f"document {document_id} published")


@register_app.command("retention")
def register_retention(
    name: TechnologyName,
    text: Annotated[str, typer.Option("--text", help="The policy's words on retention.", show_default=False)],
    starts: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], show_default=False)],
    reason: Reason,
    user: User,
    as_json: JsonOutput = False,
) -> None:
    """Record the force's retention policy for a technology in its own words, in force from --from (answers
    quote it beside the periods Watchkeeper enforces)."""
    with governed(as_json) as gov:
        record = register.state_retention(
            gov, users.resolve_actor(gov, user), technology=name, text=text, in_force_from=starts.date(), reason=reason
        )
    output.emit(as_json, {"retention": output.plain(asdict(record))}, f"retention policy of {name} recorded")


@register_app.command("list")
def register_list(user: User, as_json: JsonOutput = False) -> None:
    """The whole register: technologies, uses, contracts, costs, vendor contacts, documents."""
    with governed(as_json) as gov:
        found = register.read_register(gov, users.resolve_actor(gov, user))
    if as_json:
        output.print_json({"register": output.plain(asdict(found))})
        return
    table = Table("name", "categories", "supplier", "product", "audit")
    for t in found.technologies:
        table.add_row(t.name, ", ".join(c.value for c in t.categories), t.supplier, t.product, str(t.audit_sequence))
    output.stdout.print(table)
    output.stdout.print(
        f"{len(found.uses)} uses, {len(found.contracts)} contracts, {len(found.costs)} costs, "
        f"{len(found.contacts)} vendor contacts, {len(found.documents)} documents (--json for all)",
        highlight=False,
    )


@foi_app.command("receive")
def foi_receive(
    reference: Annotated[str, typer.Argument(help="The request's reference.")],
    received: Annotated[datetime, typer.Option("--received", formats=["%Y-%m-%d"], show_default=False)],
    summary: Annotated[str, typer.Option("--summary", help="What it asks.", show_default=False)],
    user: User,
    name_given: Annotated[bool, typer.Option("--name-given/--no-name", help="The requester gave a real name.")] = True,
    address_given: Annotated[
        bool, typer.Option("--address-given/--no-address", help="The requester gave an address for correspondence.")
    ] = True,
    as_json: JsonOutput = False,
) -> None:
    """Log a request as received; the due date is set once it is valid."""
    with governed(as_json) as gov:
        record = foi.receive_request(
            gov,
            users.resolve_actor(gov, user),
            reference=reference,
            received_on=received.date(),
            summary=summary,
            requester_named=name_given,
            requester_address_given=address_given,
        )
    output.emit(as_json, {"request": _request_json(record)}, _request_line(record))


@foi_app.command("complete")
def foi_complete(
    reference: Annotated[str, typer.Argument(help="The request's reference.")],
    on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], show_default=False)],
    user: User,
    as_json: JsonOutput = False,
) -> None:
    """The requester supplied the missing name or address: the clock starts from --on."""
    with governed(as_json) as gov:
        record = foi.complete_request(gov, users.resolve_actor(gov, user), reference, on.date())
    output.emit(as_json, {"request": _request_json(record)}, _request_line(record))


@foi_app.command("answer")
def foi_answer(
    reference: Annotated[str, typer.Argument(help="The request's reference.")],
    on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], show_default=False)],
    response: Annotated[str, typer.Option("--response", help="What was sent (or a summary).", show_default=False)],
    user: User,
    provision: Annotated[
        list[str] | None, typer.Option("--provision", help="A section relied on, e.g. s24(2); repeat for more.")
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Log the answer sent and the exemptions applied."""
    with governed(as_json) as gov:
        provisions = foi.parse_provisions(provision or [])
        record = foi.answer_request(
            gov,
            users.resolve_actor(gov, user),
            reference=reference,
            answered_on=on.date(),
            response=response,
            provisions=provisions,
        )
    output.emit(as_json, {"request": _request_json(record)}, _request_line(record))


@foi_app.command("list")
def foi_list(user: User, as_json: JsonOutput = False) -> None:
    """Every logged request with its due date and status."""
    with governed(as_json) as gov:
        records = foi.list_requests(gov, users.resolve_actor(gov, user))
    if as_json:
        output.print_json({"requests": [_request_json(r) for r in records]})
        return
    table = Table("reference", "received", "valid from", "due", "status", "answered", "late", "provisions")
    for r in records:
        table.add_row(
            r.reference,
            r.received_on.isoformat(),
            _iso(r.valid_from),
            _iso(r.due_on),
            r.status.value,
            _iso(r.answered_on),
            {True: "late", False: "", None: ""}[r.late],
            ", ".join(p.value for p in r.provisions),
        )
    output.stdout.print(table)


@report_app.callback()
def report(
    ctx: typer.Context,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", envvar="WATCHKEEPER_USER", help="Who is acting (a registered user).", show_default=False
        ),
    ] = None,
    first: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day [default: 1 January]")
    ] = None,
    last: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day [default: today]")
    ] = None,
    at: Annotated[
        list[datetime] | None,
        typer.Option("--at", formats=["%Y-%m-%d"], help="Count galleries and watchlists at the end of this day."),
    ] = None,
    as_of: AsOf = None,
    output_dir: OutputDir = None,
    as_json: JsonOutput = False,
) -> None:
    """A transparency report for a period: every figure with the audit entries it came from."""
    if ctx.invoked_subcommand is not None:
        return
    if user is None:
        raise typer.BadParameter("name the acting user with --user or WATCHKEEPER_USER", param_hint="--user")
    today = datetime.now(UTC).date()
    with governed(as_json) as gov:
        period = Period(first.date() if first else date(today.year, 1, 1), last.date() if last else today)
        built = transparency_report(
            gov, users.resolve_actor(gov, user), period, tuple(d.date() for d in at or ()), _day(as_of)
        )
    written = write_report(built, output_dir) if output_dir else None
    if as_json:
        output.print_json({"report": output.plain(asdict(built)), "files": _files(written)})
        return
    table = Table("figure", "value", "audit")
    table.add_row(
        "deployments", str(len(built.deployments)), cite(tuple(s for d in built.deployments for s in d.sources))
    )
    table.add_row("alerts raised", str(built.alerts.raised), cite(built.alerts.sources))
    table.add_row(
        "searches",
        str(sum(s.gallery_searches + s.footage_searches for s in built.searches)),
        cite(tuple(x for s in built.searches for x in s.sources)),
    )
    output.stdout.print(table)
    for gap in built.gaps:
        output.stdout.print(f"gap: {gap}", highlight=False)
    if written:
        output.stdout.print(f"wrote {written.markdown}, {written.csv}, {written.pdf}", highlight=False)


@report_app.command("foi")
def report_foi(
    user: User,
    year: Annotated[
        list[int] | None, typer.Option("--year", help="A calendar year to answer for; repeat for more.")
    ] = None,
    first: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day of one period to answer for.")
    ] = None,
    last: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Its last day [default: the as-of day].")
    ] = None,
    request: Annotated[
        str | None,
        typer.Option("--request", help="A logged request: answers are as of its received date.", show_default=False),
    ] = None,
    as_of: AsOf = None,
    questions: Annotated[
        Path | None, typer.Option("--questions", help="A questions file (TOML) instead of the shipped one.")
    ] = None,
    output_dir: OutputDir = None,
    as_json: JsonOutput = False,
) -> None:
    """Draft answers to FOI questions from the records, as of a day (a logged request's received date, or
    --as-of, or today), for calendar years or one period (default: the as-of day's year up to it), marking
    what the records cannot answer."""
    if last is not None and first is None:
        raise typer.BadParameter("--to needs --from", param_hint="--to")
    with governed(as_json) as gov:
        asked = read_questions(questions)
        period = Period(first.date(), _day(last) or _day(as_of) or gov.clock.now().date()) if first else None
        scope = AnswerScope(years=tuple(year or ()), period=period, as_of=_day(as_of), request=request)
        answers = foi_answers(gov, users.resolve_actor(gov, user), asked, scope)
    written = write_answers(answers, output_dir) if output_dir else None
    if as_json:
        output.print_json({"answers": output.plain([asdict(a) for a in answers]), "files": _files(written)})
        return
    for answer in answers:
        output.stdout.print(
            f"[bold]{answer.period.describe()} {answer.question_id}[/] ({answer.status.value}, as of "
            f"{answer.as_of.isoformat()}): {answer.text}",
            highlight=False,
        )
    if written:
        output.stdout.print(f"wrote {written.markdown}, {written.csv}, {written.pdf}", highlight=False)


def _request_json(record: foi.FoiRecord) -> dict[str, Any]:
    document: dict[str, Any] = output.plain(asdict(record))
    document["late"] = record.late
    document["neither_confirm_nor_deny"] = record.neither_confirm_nor_deny
    return document


def _request_line(record: foi.FoiRecord) -> str:
    due = f"due {record.due_on.isoformat()}" if record.due_on else "not valid yet: the clock has not started"
    return f"{record.reference}: {record.status.value}, {due}"


def _files(written: Any) -> dict[str, Any] | None:
    if written is None:
        return None
    return {
        "markdown": str(written.markdown),
        "csv": str(written.csv),
        "pdf": str(written.pdf),
        "charts": [str(p) for p in written.charts],
    }


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""
