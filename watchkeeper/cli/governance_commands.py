"""Commands over the governance core: users, galleries, enrolment, subjects, search, audit, retention.

Each command names its acting user (``--user`` or ``WATCHKEEPER_USER``); the core checks that user's role,
records the act in the audit log, and refuses what the role does not allow.
"""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from watchkeeper.cli import output
from watchkeeper.cli.governed import governed, read_probe
from watchkeeper.cli.options import JsonOutput
from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.governance import audit_access, galleries, history_import, retention, search, users
from watchkeeper.governance.audit.checkpoint import Verifier, open_checkpoint, split_checkpoints
from watchkeeper.governance.audit.errors import AuditError, CheckpointError, ProofError
from watchkeeper.governance.audit.witness import HeadUpdate, check_update, newest_head
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.roles import Role
from watchkeeper.matching import IndexKind

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}

User = Annotated[
    str,
    typer.Option("--user", envvar="WATCHKEEPER_USER", help="Who is acting (a registered user).", show_default=False),
]
Reason = Annotated[str, typer.Option("--reason", help="Why: recorded in the audit log.", show_default=False)]
Purpose = Annotated[
    search.SearchPurpose,
    typer.Option("--purpose", help="What the search is for, by category (counted in transparency reports)."),
]

user_app = typer.Typer(help="Registered users and their roles.", no_args_is_help=True)
gallery_app = typer.Typer(help="Galleries: create, list, delete.", no_args_is_help=True)
subject_app = typer.Typer(help="Subjects in a gallery: list, remove.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention periods, enforced.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The new user's name.")],
    role: Annotated[Role, typer.Option("--role", help="admin, operator, analyst, auditor or disclosure.")],
    reason: Reason,
    user: Annotated[
        str | None,
        typer.Option("--user", envvar="WATCHKEEPER_USER", help="The administrator adding (omit for the first user)."),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Register a user. The very first user, added without --user, must be an administrator."""
    with governed(as_json) as gov:
        actor = users.resolve_actor(gov, user) if user else None
        record = users.add_user(gov, actor, name, role, reason)
    output.emit(as_json, {"user": output.plain(asdict(record))}, f"added {record.name} ({record.role.value})")


@gallery_app.command("create")
def gallery_create(
    name: Annotated[str, typer.Argument(help="Gallery name.")],
    reason: Reason,
    user: User,
    description: Annotated[str, typer.Option("--description", help="What the gallery holds.")] = "",
    index: Annotated[
        IndexKind, typer.Option("--index", help="exact (default) or approximate (for very large galleries).")
    ] = IndexKind.EXACT,
    as_json: JsonOutput = False,
) -> None:
    """Create a gallery."""
    with governed(as_json) as gov:
        record = galleries.create_gallery(gov, users.resolve_actor(gov, user), name, description, reason, index)
    output.emit(as_json, {"gallery": output.plain(asdict(record))}, f"created gallery {record.name}")


@gallery_app.command("list")
def gallery_list(user: User, as_json: JsonOutput = False) -> None:
    """List galleries with their subject and face counts."""
    with governed(as_json) as gov:
        records = galleries.list_galleries(gov, users.resolve_actor(gov, user))
    output.print_records(as_json, "galleries", records, _GALLERY_COLUMNS, _gallery_row)


_GALLERY_COLUMNS = ("gallery", "subjects", "faces", "index", "created by", "created")


def _gallery_row(r: galleries.GalleryRecord) -> tuple[str, ...]:
    return r.name, str(r.subjects), str(r.faces), r.index_kind.value, r.created_by, f"{r.created_at:%Y-%m-%d}"


@gallery_app.command("delete")
def gallery_delete(name: str, reason: Reason, user: User, as_json: JsonOutput = False) -> None:
    """Delete a gallery with every subject, face and image in it."""
    with governed(as_json) as gov:
        count = galleries.delete_gallery(gov, users.resolve_actor(gov, user), name, reason)
    output.emit(as_json, {"gallery": name, "subjects_deleted": count}, f"deleted gallery {name} ({count} subjects)")


def enrol(
    gallery: Annotated[str, typer.Argument(help="Gallery to enrol into.")],
    folder: Annotated[
        Path,
        typer.Argument(
            help="A folder per subject (its name is the subject's reference), or images directly inside "
            "(each file's name without extension is a reference).",
            exists=True,
            file_okay=False,
        ),
    ],
    category: Annotated[SubjectCategory, typer.Option("--category", help="Why these people may be in the gallery.")],
    reason: Reason,
    source: Annotated[str, typer.Option("--source", help="Where the images come from (e.g. custody system).")],
    expires: Annotated[
        datetime, typer.Option("--expires", formats=["%Y-%m-%d"], help="Date each subject must be deleted by.")
    ],
    user: User,
    as_json: JsonOutput = False,
) -> None:
    """Enrol a folder of face images; one audited transaction per subject, safe to re-run if interrupted
    (a re-run skips the images already enrolled without analysing them)."""
    batches = _subject_batches(folder)
    expires_at = datetime.combine(date(expires.year, expires.month, expires.day), time(), UTC)
    outcomes: list[galleries.EnrolmentOutcome] = []
    with governed(as_json) as gov:
        actor = users.resolve_actor(gov, user)
        with Progress(console=output.stderr, transient=True) as progress:
            for reference, paths in progress.track(batches, description=f"Enrolling into {gallery}"):
                details = galleries.SubjectDetails(reference, category, reason, source, expires_at)
                images = [galleries.EnrolmentImage(p.name, p.read_bytes()) for p in paths]
                try:
                    outcomes.append(galleries.enrol_subject(gov, actor, gallery, details, images))
                except WatchkeeperError:
                    _say_what_was_stored(outcomes, reference)
                    raise
    enrolled = sum(o.enrolled for o in outcomes)
    skipped = [s for o in outcomes for s in o.skipped]
    if as_json:
        output.print_json({"subjects": [output.plain(asdict(o)) for o in outcomes], "faces_enrolled": enrolled})
        return
    for line in skipped:
        output.stderr.print(f"[yellow]skipped:[/] {line}", highlight=False, soft_wrap=True)
    output.stdout.print(f"enrolled {enrolled} faces of {sum(o.enrolled > 0 for o in outcomes)} subjects into {gallery}")


@gallery_app.command("import-history")
def gallery_import_history(
    gallery: Annotated[str, typer.Argument(help="Gallery to import into (create it first).")],
    manifest: Annotated[
        Path,
        typer.Argument(
            help="CSV with subject,image,enrolled_on[,category][,expires_on]; images relative to its folder.",
            exists=True,
            dir_okay=False,
        ),
    ],
    source: Annotated[
        str, typer.Option("--source", help="Where this history comes from (recorded as stated).", show_default=False)
    ],
    category: Annotated[SubjectCategory, typer.Option("--category", help="For rows that do not give one.")],
    expires: Annotated[
        datetime, typer.Option("--expires", formats=["%Y-%m-%d"], help="For rows that do not give expires_on.")
    ],
    reason: Reason,
    user: User,
    as_json: JsonOutput = False,
) -> None:
    """Import a gallery's history from another system, each image dated as that system enrolled it, so that
    holdings on past dates are answerable; safe to re-run if interrupted."""
    read = history_import.read_manifest(manifest, category=category, expires_on=expires.date())
    with governed(as_json) as gov:
        actor = users.resolve_actor(gov, user)
        with Progress(console=output.stderr, transient=True) as progress:
            task = progress.add_task(f"Importing into {gallery}", total=len(read.enrolments))
            imported = history_import.import_history(
                gov,
                actor,
                gallery=gallery,
                enrolments=read.enrolments,
                statement=source,
                manifest_sha256=read.sha256,
                reason=reason,
                progress=lambda done: progress.update(task, completed=done),
            )
    summary = {
        "gallery": gallery,
        "faces_enrolled": imported.images,
        "subjects": [output.plain(asdict(o)) for o in imported.outcomes],
        "manifest_sha256": read.sha256,
        "audit_sequence": imported.audit_sequence,
    }
    output.emit(
        as_json, summary, f"imported {imported.images} faces into {gallery} (audit entry {imported.audit_sequence})"
    )


def _say_what_was_stored(outcomes: list[galleries.EnrolmentOutcome], failed: str) -> None:
    """Before the error ends the command: nothing of ``failed`` was stored, the subjects before it were
    (each in its own transaction), on stderr so that ``--json`` output stays one document."""
    enrolled = [o.reference for o in outcomes if o.enrolled]
    stored = (
        f"{len(enrolled)} subjects before it were enrolled ({', '.join(enrolled)})" if enrolled else "none before it"
    )
    output.stderr.print(
        f"nothing of {failed} was stored; {stored}; re-running the command continues from {failed}",
        highlight=False,
        soft_wrap=True,
    )


def _subject_batches(folder: Path) -> list[tuple[str, list[Path]]]:
    batches: list[tuple[str, list[Path]]] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            images = sorted(p for p in entry.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
            if images:
                batches.append((entry.name, images))
        elif entry.suffix.lower() in _IMAGE_SUFFIXES:
            batches.append((entry.stem, [entry]))
    return batches


@subject_app.command("list")
def subject_list(gallery: str, user: User, as_json: JsonOutput = False) -> None:
    """List a gallery's subjects: reference, category, who added them and when they expire."""
    with governed(as_json) as gov:
        records = galleries.list_subjects(gov, users.resolve_actor(gov, user), gallery)
    output.print_records(as_json, "subjects", records, _SUBJECT_COLUMNS, _subject_row)


_SUBJECT_COLUMNS = ("reference", "category", "faces", "added by", "expires")


def _subject_row(r: galleries.SubjectRecord) -> tuple[str, ...]:
    return r.reference, r.category.value, str(r.faces), r.added_by, f"{r.expires_at:%Y-%m-%d}"


@subject_app.command("remove")
def subject_remove(gallery: str, reference: str, reason: Reason, user: User, as_json: JsonOutput = False) -> None:
    """Remove a subject with all their faces, from the database and the index."""
    with governed(as_json) as gov:
        faces = galleries.remove_subject(gov, users.resolve_actor(gov, user), gallery, reference, reason)
    output.emit(as_json, {"reference": reference, "faces_removed": faces}, f"removed {reference} ({faces} faces)")


def search_command(
    gallery: Annotated[str, typer.Argument(help="Gallery to search.")],
    probe: Annotated[Path, typer.Argument(help="Probe image.")],
    case: Annotated[str, typer.Option("--case", help="Case reference the search is for.", show_default=False)],
    reason: Reason,
    user: User,
    face: Annotated[int | None, typer.Option("--face", min=0, help="Face in the probe (see `detect`).")] = None,
    candidates: Annotated[int, typer.Option("--candidates", min=1, max=100, help="Subjects to propose.")] = 10,
    keep_probe: Annotated[
        bool, typer.Option("--keep-probe", help="Keep the probe image and descriptor with the case record.")
    ] = False,
    purpose: Purpose = search.SearchPurpose.NOT_STATED,
    as_json: JsonOutput = False,
) -> None:
    """Search a probe face against a gallery: a ranked candidate list for a person to review."""
    data = read_probe(probe, as_json)
    with governed(as_json) as gov:
        request = search.SearchRequest(
            gallery,
            str(probe),
            data,
            case,
            reason,
            face_index=face,
            candidates=candidates,
            keep_probe=keep_probe,
            purpose=purpose,
        )
        outcome = search.run_search(gov, users.resolve_actor(gov, user), request)
    if as_json:
        output.print_json({"search": output.plain(asdict(outcome))})
        return
    table = Table("rank", "reference", "category", "distance", "similarity", f"within {outcome.threshold:.2f}")
    for c in outcome.candidates:
        table.add_row(
            str(c.rank),
            c.reference,
            c.category.value,
            f"{c.distance:.3f}",
            f"{c.similarity:.3f}",
            "yes" if c.within_threshold else "",
        )
    output.stdout.print(table)
    output.stdout.print(
        f"search {outcome.search_id} for case {outcome.case_reference}: candidates for review, not identifications",
        highlight=False,
    )


@audit_app.command("verify")
def audit_verify(
    user: User,
    entry: Annotated[int | None, typer.Option("--entry", min=0, help="Also prove this entry's inclusion.")] = None,
    witness: Annotated[
        Path | None,
        typer.Option(
            "--witness",
            exists=True,
            dir_okay=False,
            help="Signed tree heads kept outside the data directory (what `audit checkpoint` printed, one or "
            "more); the log must be consistent with each.",
        ),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Check the whole log against its signed tree heads, those in the checkpoints file and any --witness
    heads; exit 1 if anything was altered, removed, reordered, cut short or rolled back. With --entry,
    print that entry and its inclusion proof in the newest tree head."""
    heads = split_checkpoints(witness.read_text(encoding="utf-8", errors="replace")) if witness else []
    with governed(as_json) as gov:
        actor = users.resolve_actor(gov, user)
        report = audit_access.verify(gov, actor, heads)
        proof = audit_access.inclusion(gov, actor, entry) if entry is not None else None
    document: dict[str, Any] = {"verification": output.plain(asdict(report))}
    if proof is not None:
        found, leaf, path, head = proof
        document["inclusion"] = {
            "entry": output.plain(asdict(found)) if found else None,
            "leaf_hash": base64.b64encode(leaf).decode(),
            "proof": [base64.b64encode(h).decode() for h in path],
            "checkpoint": head,
        }
    if as_json:
        output.print_json(document)
    else:
        _print_verification(report, document.get("inclusion"))
    if not report.ok:
        raise typer.Exit(output.EXIT_BAD_INPUT)


@audit_app.command("checkpoint")
def audit_checkpoint(
    user: User,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="FILE_OR_SIZE",
            help="Also prove the newest head extends the witness's: a size (digits), or a file of heads the "
            "witness kept (its largest head). Check the --json output with `audit witness-check`.",
        ),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Print the log's newest signed tree head for an outside witness to keep (append it to a file kept
    elsewhere, and pass that file to `audit verify --witness`): once kept there, the log can no longer be
    cut short or rolled back unnoticed. With --since, print it with the RFC 9162 consistency proof from
    the witness's head, so a witness that keeps only heads can check the log grew without being rewritten."""
    with governed(as_json) as gov:
        actor = users.resolve_actor(gov, user)
        if since is None:
            signed, update = audit_access.newest_head(gov, actor), None
        else:
            update = audit_access.update_since(gov, actor, _since_size(since, gov.audit.verifier))
            signed = update.signed
        head = open_checkpoint(signed, gov.audit.verifier)
    document: dict[str, Any] = {"checkpoint": output.plain(asdict(head)), "signed": signed}
    if as_json:
        output.print_json(document | (update.to_json() if update else {}))
    elif update is None:
        sys.stdout.write(signed)
    else:
        hashes = "".join(f"  {element.hex()}\n" for element in update.proof)
        sys.stdout.write(
            f"consistency proof from size {update.old_size} to size {update.new_size} "
            f"({len(update.proof)} hashes):\n{hashes}under:\n{signed}"
        )


def _since_size(since: str, verifier: Verifier) -> int:
    """The old size ``--since`` names: digits are a size, anything else a file of the witness's heads."""
    if since.isdigit():
        return int(since)
    path = Path(since)
    try:
        return newest_head(split_checkpoints(path.read_text(encoding="utf-8", errors="replace")), verifier).size
    except OSError as error:
        raise InputError(since, error.strerror or str(error)) from error
    except (CheckpointError, ProofError) as error:
        raise InputError(since, str(error)) from error


@audit_app.command("witness-check")
def audit_witness_check(
    heads: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The witness's own heads (its largest is checked).")
    ],
    update: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="What `audit checkpoint --since --json` printed.")
    ],
    verifier_file: Annotated[
        Path,
        typer.Option("--verifier", exists=True, dir_okay=False, help="The log's verifier key (one line of text)."),
    ],
    as_json: JsonOutput = False,
) -> None:
    """Check, without the database, that an update extends the witness's newest head: exit 0 if its
    consistency proof holds, 1 if not (cut short, rolled back or rewritten). Needs only the two files and
    the verifier key."""
    try:
        verifier = Verifier.from_text(verifier_file.read_text(encoding="utf-8").strip())
        old = newest_head(split_checkpoints(heads.read_text(encoding="utf-8", errors="replace")), verifier)
        new = check_update(old, HeadUpdate.from_json(json.loads(update.read_text(encoding="utf-8"))), verifier)
    except (AuditError, ValueError) as error:  # ValueError: not JSON (json.JSONDecodeError), or not UTF-8
        output.fail(
            error if isinstance(error, AuditError) else InputError(str(update), str(error)),
            as_json,
            output.EXIT_BAD_INPUT,
        )
    if as_json:
        output.print_json({"witness_check": {"consistent": True, "old_size": old.size, "new_size": new.size}})
    else:
        output.stdout.print(f"consistent: the head of size {new.size} extends the head of size {old.size}")


def _print_verification(report: Any, inclusion: dict[str, Any] | None) -> None:
    state = "[green]verified[/]" if report.ok else "[bold red]NOT VERIFIED[/]"
    heads = f" and {report.heads_checked} heads kept outside the database" if report.heads_checked else ""
    output.stdout.print(f"audit log: {report.size} entries{heads}, {state}", highlight=False)
    for finding in report.findings:
        output.stdout.print(f"  {finding.kind}: {finding.message}", highlight=False, soft_wrap=True)
    if inclusion is not None:
        output.stdout.print(
            f"inclusion proof ({len(inclusion['proof'])} hashes) under:\n{inclusion['checkpoint']}", soft_wrap=True
        )


@retention_app.command("enforce")
def retention_enforce(user: User, as_json: JsonOutput = False) -> None:
    """Delete everything past its retention period now; each kind is audited."""
    with governed(as_json) as gov:
        report = retention.enforce_retention(gov, users.resolve_actor(gov, user), gov.policy)
    output.emit(as_json, {"retention": asdict(report)}, ", ".join(f"{k}: {v}" for k, v in asdict(report).items()))
