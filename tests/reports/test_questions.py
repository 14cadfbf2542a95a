"""Reading a questions file: every kind's keys, and a bad file refused with the question's number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.reports.foi_answers import add_months
from watchkeeper.reports.questions import Question, QuestionKind, read_questions


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "questions.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_products_vendors_contacts_and_plans(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[question]]\nid = "p"\nkind = "products"\nproducts = ["NeoFace", " Clearview "]\ntext = "?"\n'
        '[[question]]\nid = "v"\nkind = "vendors"\nothers = true\ntext = "?"\n'
        '[[question]]\nid = "c"\nkind = "contacts"\nvendors = ["NEC"]\ncategory = "live_facial_recognition"\n'
        'text = "?"\n'
        '[[question]]\nid = "g"\nkind = "plans"\ncategory = "geographic_predictive_policing"\nmonths = 6\n'
        'text = "?"\n',
    )
    products, vendors, contacts, plans = read_questions(path)
    assert products == Question(
        id="p", text="?", kind=QuestionKind.PRODUCTS, category=None, products=("NeoFace", "Clearview")
    )
    assert (vendors.others, vendors.vendors, vendors.category) == (True, (), None)
    assert contacts.vendors == ("NEC",)
    assert plans.months == 6


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('id = "p"\nkind = "products"\ntext = "?"\n', "a products question lists the products"),
        ('id = "v"\nkind = "vendors"\ntext = "?"\n', "lists the vendors it names"),
        ('id = "u"\nkind = "use"\ntext = "?"\n', "'category'"),
        ('id = "g"\nkind = "plans"\ncategory = "other"\nmonths = 0\ntext = "?"\n', "months must be"),
        ('id = "g"\nkind = "plans"\ncategory = "other"\nmonths = "12"\ntext = "?"\n', "months must be"),
        ('id = "p"\nkind = "products"\nproducts = "NeoFace"\ntext = "?"\n', "products must be a list"),
        ('id = "v"\nkind = "vendors"\nothers = "yes"\ntext = "?"\n', "others must be true or false"),
        ('id = "u"\nkind = "use"\ncategory = "other"\ntext = "?"\nyear = 2024\n', "unknown keys \\['year'\\]"),
    ],
)
def test_a_bad_question_is_refused_with_its_number(tmp_path: Path, body: str, problem: str) -> None:
    path = write(tmp_path, '[[question]]\nid = "ok"\nkind = "use"\ncategory = "other"\ntext = "?"\n'
                 f"[[question]]\n{body}")  # fmt: skip
    with pytest.raises(InputError, match=rf"question 2: .*{problem}"):
        read_questions(path)


def test_months_ahead_keep_the_day_or_take_the_months_last() -> None:
    assert add_months(date(2024, 2, 1), 12) == date(2025, 2, 1)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
