"""The questions a draft FOI answer can be asked, read from a TOML file (``docs/foi-questions.md``).

A question names what the records can answer (its kind) and, for most kinds, the category of technology it
is about. Questions that name products or vendors list them, so that each one not in the register is
answered "no record" instead of being left out; a question about plans says how far ahead it looks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Any

from watchkeeper.errors import InputError
from watchkeeper.governance.vocabulary import TechnologyCategory


class QuestionKind(StrEnum):
    USE = "use"
    CAMERAS = "cameras"
    SUPPLIERS = "suppliers"
    CONTRACTS = "contracts"
    COSTS = "costs"
    FACE_IMAGES = "face_images"
    RETENTION = "retention"
    DOCUMENTS = "documents"
    PRODUCTS = "products"
    """Has the force been contacted about, tested or used each named product?"""
    VENDORS = "vendors"
    """Contracts, products and contacts with each named vendor (and, with ``others``, any other)."""
    CONTACTS = "contacts"
    """Meetings and correspondence with vendors in the period."""
    PLANS = "plans"
    """Plans approved by the as-of date for the months after it."""


UNCATEGORISED_KINDS = frozenset({QuestionKind.PRODUCTS, QuestionKind.VENDORS, QuestionKind.CONTACTS})
"""Kinds whose category is optional: without one they are about every technology."""
DEFAULT_PLAN_MONTHS = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    id: str
    text: str
    kind: QuestionKind
    category: TechnologyCategory | None
    products: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    others: bool = False
    """For vendors: also list every other vendor the records hold ("or any other")."""
    months: int = DEFAULT_PLAN_MONTHS
    """For plans: how far ahead of the as-of date to look."""


DEFAULT_QUESTIONS = files("watchkeeper.reports") / "foi_questions.toml"


def read_questions(path: Path | None = None) -> list[Question]:
    """The questions of a TOML file (the shipped default without ``path``); InputError naming the problem."""
    source = str(path) if path else "default FOI questions"
    try:
        text = path.read_text(encoding="utf-8") if path else DEFAULT_QUESTIONS.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(source, f"cannot read the questions: {error}") from None
    return parse_questions(text, source)


def parse_questions(text: str, source: str) -> list[Question]:
    """The questions of a TOML text (a file's, or one typed into a page); InputError naming ``source`` and
    the problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(source, f"cannot read the questions: {error}") from None
    questions = []
    for number, item in enumerate(document.get("question", []), start=1):
        try:
            questions.append(_question(item))
        except (KeyError, ValueError, TypeError) as error:
            kinds = ", ".join(k.value for k in QuestionKind)
            raise InputError(
                source, f"question {number}: needs id, text, kind ({kinds}) and a technology category ({error})"
            ) from None
    if not questions:
        raise InputError(source, "no [[question]] entries")
    if len({q.id for q in questions}) != len(questions):
        raise InputError(source, "question ids must be unique")
    return questions


_KEYS = {"id", "text", "kind", "category", "products", "vendors", "others", "months"}


def _question(item: dict[str, Any]) -> Question:
    unknown = set(item) - _KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    kind = QuestionKind(item["kind"])
    category = item.get("category")
    if category is None and kind not in UNCATEGORISED_KINDS:
        raise KeyError("category")
    question = Question(
        id=str(item["id"]),
        text=str(item["text"]),
        kind=kind,
        category=TechnologyCategory(category) if category is not None else None,
        products=_names(item, "products"),
        vendors=_names(item, "vendors"),
        others=_flag(item, "others"),
        months=_months(item),
    )
    if kind is QuestionKind.PRODUCTS and not question.products:
        raise ValueError("a products question lists the products it names: products = [...]")
    if kind is QuestionKind.VENDORS and not question.vendors and not question.others:
        raise ValueError("a vendors question lists the vendors it names (vendors = [...]) or sets others = true")
    return question


def _names(item: dict[str, Any], key: str) -> tuple[str, ...]:
    names = item.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"{key} must be a list of names")
    return tuple(n.strip() for n in names)


def _flag(item: dict[str, Any], key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def _months(item: dict[str, Any]) -> int:
    months = item.get("months", DEFAULT_PLAN_MONTHS)
    if type(months) is not int or not 1 <= months <= 120:
        raise ValueError("months must be a whole number from 1 to 120")
    return months
