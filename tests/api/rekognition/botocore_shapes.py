"""Checks a response body against botocore's model of the operation's output, member by member.

botocore's parser drops members it does not know and coerces types, so a response it parses can still be
wrong; this walks the raw JSON the server sent instead: required members present, no member outside the
model, each value of the model's type, within its length or value range, in its enum, matching its pattern.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

_SERVICE_MODEL = botocore.session.get_session().get_service_model("rekognition")


def operation_model(operation: str) -> OperationModel:
    return _SERVICE_MODEL.operation_model(operation)


def shape_problems(operation: str, document: Any) -> list[str]:
    """Every way ``document`` departs from ``operation``'s output shape (empty when it conforms)."""
    problems: list[str] = []
    output = operation_model(operation).output_shape
    assert output is not None
    _check(output, document, operation, problems)
    return problems


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        _check_structure(shape, value, path, problems)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        _check_length(shape, len(value), path, problems)
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}[{index}]", problems)
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for key, item in value.items():
            _check(shape.key, key, f"{path} key", problems)
            _check(shape.value, item, f"{path}.{key}", problems)
    elif kind == "string":
        _check_string(shape, value, path, problems)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected an integer, got {value!r}")
            return
        _check_range(shape, value, path, problems)
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected a number, got {value!r}")
            return
        _check_range(shape, value, path, problems)
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected a boolean, got {value!r}")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected epoch seconds (JSON protocol timestamp), got {value!r}")
    else:
        problems.append(f"{path}: shape type {kind} is not checked here")


def _check_structure(shape: StructureShape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object, got {type(value).__name__}")
        return
    for name in shape.required_members:
        if name not in value:
            problems.append(f"{path}: required member {name} is missing")
    for name, item in value.items():
        if name not in shape.members:
            problems.append(f"{path}: member {name} is not in {shape.name}")
            continue
        _check(shape.members[name], item, f"{path}.{name}", problems)


def _check_string(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{path}: expected a string, got {value!r}")
        return
    _check_length(shape, len(value), path, problems)
    if shape.enum and value not in shape.enum:
        problems.append(f"{path}: {value!r} is not one of {shape.enum}")
    pattern = shape.metadata.get("pattern")
    if pattern and "\\p{" not in pattern and re.fullmatch(pattern, value) is None:
        problems.append(f"{path}: {value!r} does not match {pattern}")


def _check_length(shape: Shape, length: int, path: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and length < low) or (high is not None and length > high):
        problems.append(f"{path}: length {length} is outside [{low}, {high}]")


def _check_range(shape: Shape, value: float, path: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        problems.append(f"{path}: {value} is outside [{low}, {high}]")
