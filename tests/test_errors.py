"""Every error Watchkeeper raises knows its kind, and each adapter maps kinds once: the REST status, the CLI
exit code and the AWS error type of an error follow from its kind (a few have a more precise one), and a
bare ``ValueError`` is a bug, never the caller's bad input."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import typer

import watchkeeper
from watchkeeper.api.rekognition.errors import AWS_TYPE_BY_KIND, aws_error_of
from watchkeeper.cli.governed import governed
from watchkeeper.cli.output import EXIT_BAD_INPUT, EXIT_CODE_BY_KIND, EXIT_UNAVAILABLE
from watchkeeper.errors import (
    AlreadyExistsError,
    ErrorKind,
    FaceSelectionError,
    InputError,
    InvalidArgumentError,
    NotFoundError,
    StorageUnavailableError,
    WatchkeeperError,
)
from watchkeeper.governance.audit.errors import EventError
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.deployments import DeploymentError
from watchkeeper.governance.foi import FoiError
from watchkeeper.governance.galleries import GalleryError
from watchkeeper.governance.register import RegisterError
from watchkeeper.governance.roles import PermissionDeniedError, UnknownUserError
from watchkeeper.governance.search import require_case
from watchkeeper.reports.figures import Period
from watchkeeper.server.errors import STATUS_BY_KIND, status_of
from watchkeeper.video.source_policy import SourceNotAllowedError

RULE = "a search needs a stated reason"


def all_error_types() -> set[type[WatchkeeperError]]:
    """Every subclass of :class:`WatchkeeperError` in the package (each module imported first)."""
    for module in pkgutil.walk_packages(watchkeeper.__path__, "watchkeeper."):
        importlib.import_module(module.name)
    found: set[type[WatchkeeperError]] = set()
    pending: list[type[WatchkeeperError]] = [WatchkeeperError]
    while pending:
        error_type = pending.pop()
        found.add(error_type)
        pending.extend(error_type.__subclasses__())
    return found


@pytest.mark.parametrize("mapping", [STATUS_BY_KIND, EXIT_CODE_BY_KIND, AWS_TYPE_BY_KIND], ids=["rest", "cli", "aws"])
def test_every_adapter_maps_every_kind(mapping: dict[ErrorKind, object]) -> None:
    assert set(mapping) == set(ErrorKind)


def test_every_error_type_has_a_kind_and_a_status() -> None:
    error_types = all_error_types()
    assert len(error_types) > 30  # the walk found the package's errors, not just the base
    for error_type in error_types:
        assert isinstance(error_type.kind, ErrorKind), error_type
        assert error_type.code, error_type


def sample(error_type: type[WatchkeeperError]) -> WatchkeeperError:
    if issubclass(error_type, InputError):
        return error_type("input", "reason")
    return error_type("message")


@pytest.mark.parametrize(
    ("error_type", "status", "exit_code", "aws_type"),
    [
        (InputError, 400, EXIT_BAD_INPUT, "InvalidParameterException"),
        (FaceSelectionError, 422, EXIT_BAD_INPUT, "InvalidParameterException"),
        (AuthenticationError, 401, EXIT_BAD_INPUT, "UnrecognizedClientException"),
        (PermissionDeniedError, 403, EXIT_BAD_INPUT, "AccessDeniedException"),
        (UnknownUserError, 403, EXIT_BAD_INPUT, "AccessDeniedException"),
        (SourceNotAllowedError, 403, EXIT_BAD_INPUT, "AccessDeniedException"),
        (NotFoundError, 404, EXIT_BAD_INPUT, "ResourceNotFoundException"),
        (AlreadyExistsError, 409, EXIT_BAD_INPUT, "ResourceAlreadyExistsException"),
        (GalleryError, 409, EXIT_BAD_INPUT, "InvalidParameterException"),
        (DeploymentError, 409, EXIT_BAD_INPUT, "ResourceInUseException"),
        (RegisterError, 409, EXIT_BAD_INPUT, "ResourceInUseException"),
        (FoiError, 409, EXIT_BAD_INPUT, "ResourceInUseException"),
        (EventError, 503, EXIT_UNAVAILABLE, "InternalServerError"),
    ],
)
def test_each_adapter_follows_the_kind(
    error_type: type[WatchkeeperError], status: int, exit_code: int, aws_type: str
) -> None:
    error = sample(error_type)
    assert status_of(error) == status
    assert EXIT_CODE_BY_KIND[error.kind] == exit_code
    refusal = aws_error_of(error)
    assert (refusal.error_type, refusal.status) == (aws_type, 500 if aws_type == "InternalServerError" else 400)


def test_storage_failure_is_the_servers_fault_everywhere() -> None:
    error = StorageUnavailableError("the database", "disk full")
    assert (status_of(error), EXIT_CODE_BY_KIND[error.kind]) == (503, EXIT_UNAVAILABLE)
    assert (aws_error_of(error).error_type, aws_error_of(error).status) == ("InternalServerError", 500)


def test_a_bare_value_error_is_a_server_error_for_rekognition_not_a_bad_parameter() -> None:
    refusal = aws_error_of(ValueError("a bug's message, not for clients"))
    assert (refusal.error_type, refusal.status) == ("InternalServerError", 500)
    assert "a bug's message" not in refusal.message


@pytest.mark.parametrize(
    "check",
    [
        lambda: require_case(" ", "reason"),
        lambda: require_case("CASE-1", ""),
        lambda: Period(date(2026, 2, 1), date(2026, 1, 1)),
    ],
    ids=["no-case", "no-reason", "period-backwards"],
)
def test_domain_checks_raise_input_errors(check: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        check()
    assert raised.value.kind is ErrorKind.INVALID_INPUT
    assert raised.value.code == "invalid_input"
    assert str(raised.value) == raised.value.reason  # the rule alone, as the API has always shown it


def test_a_bare_value_error_in_a_command_is_a_bug_with_its_traceback(data_dir: Path) -> None:
    """The command line ends a governed command on a Watchkeeper error with its kind's exit code; a bare
    ``ValueError`` is not one of them, so it goes up with its traceback instead of being printed as bad input."""
    with pytest.raises(ValueError, match="a bug"), governed(as_json=True):
        raise ValueError("a bug")


def test_a_refused_value_in_a_command_exits_1(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as ended, governed(as_json=True):
        raise InvalidArgumentError(RULE)
    assert ended.value.exit_code == EXIT_BAD_INPUT
    printed = json.loads(capsys.readouterr().out)
    assert printed["error"] == {
        "source": "arguments",
        "code": "invalid_input",
        "reason": "a search needs a stated reason",
    }
