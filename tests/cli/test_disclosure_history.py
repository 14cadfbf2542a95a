"""A force's multi-year history entered as a disclosure officer would, through the documented commands
(register entries with their own past dates, a custody gallery's history imported from the old system),
then real FOI requests received on several dates answered with ``report foi --request``.

Each check below failed before answers took an as-of date: counts were the year-end count, trial and
ongoing start dates were one date, camera kinds were one setting per technology, Watchkeeper's own use
under another register name was a "supplier not recorded" gap, a cost was reported before the stage it
paid for began, and products, vendors, meetings, plans and published contracts could not be asked about.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import SHARED_FACES
from tests.governed_cli import run

THIS_YEAR = str(datetime.now(UTC).year)
"""Watchkeeper's own acts (the search, its configuration) are recorded now, by the real clock."""
SUPPLIER = "Open Recognition Ltd"
NEC = "NEC Software Solutions UK"
CONTRACT_NOTICE = "https://www.contractsfinder.service.gov.uk/notice/nec-2019-001"
DPIA_URL = "https://force.example/neoface-dpia-redacted.pdf"
QUESTIONS = """
[[question]]
id = "rfr-face-images"
kind = "face_images"
category = "retrospective_facial_recognition"
text = "How many photographs of faces are held in the database searched by RFR?"

[[question]]
id = "lfr-use"
kind = "use"
category = "live_facial_recognition"
text = "Does the force trial or use LFR? When was each first introduced?"

[[question]]
id = "lfr-cameras"
kind = "cameras"
category = "live_facial_recognition"
text = "Is LFR used on static or portable cameras?"

[[question]]
id = "lfr-costs"
kind = "costs"
category = "live_facial_recognition"
text = "What has LFR cost, for trials and ongoing use?"

[[question]]
id = "lfr-contracts"
kind = "contracts"
category = "live_facial_recognition"
text = "What contracts are held for LFR?"

[[question]]
id = "lfr-documents"
kind = "documents"
category = "live_facial_recognition"
text = "Is there a DPIA for LFR, and is it published?"

[[question]]
id = "lfr-retention"
kind = "retention"
category = "live_facial_recognition"
text = "How long is LFR data retained?"

[[question]]
id = "rfr-suppliers"
kind = "suppliers"
category = "retrospective_facial_recognition"
text = "Who supplies the force's RFR?"

[[question]]
id = "products"
kind = "products"
products = ["NeoFace", "Clearview", "Palantir Gotham"]
text = "Has the force been contacted by, tested or used NeoFace, Clearview or Palantir Gotham?"

[[question]]
id = "vendors"
kind = "vendors"
vendors = ["NEC", "Facewatch", "Idemia"]
others = true
text = "Does the force hold contracts with NEC, Facewatch, Idemia, or any other vendor?"

[[question]]
id = "meetings"
kind = "contacts"
text = "List meetings and correspondence with facial recognition vendors."

[[question]]
id = "gpp-plans"
kind = "plans"
category = "geographic_predictive_policing"
text = "Does the force plan to use predictive policing in the next 12 months?"
"""


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not SHARED_FACES.is_dir():
        pytest.skip(f"the shared face images are not at {SHARED_FACES}")
    root = tmp_path_factory.mktemp("force")
    env = {"WATCHKEEPER_DATA_DIR": str(root / "data")}
    ok(env, "user", "add", "ada", "--role", "admin", "--reason", "first administrator")
    ok(env, "user", "add", "dee", "--role", "disclosure", "--reason", "FOI officer", "--user", "ada")
    ok(env, "user", "add", "ann", "--role", "analyst", "--reason", "investigator", "--user", "ada")
    dee = {**env, "WATCHKEEPER_USER": "dee"}

    # An LFR product used before Watchkeeper: a portable trial, then static cameras in ongoing use.
    ok(dee, "register", "add", "NeoFace Watch", "--category", "live_facial_recognition", "--supplier", NEC,
       "--product", "NeoFace Watch 4", "--reason", "previous LFR system")  # fmt: skip
    trial = ok(dee, "register", "use", "NeoFace Watch", "--stage", "trial", "--from", "2019-01-01",
               "--to", "2019-06-30", "--camera", "portable", "--reason", "trial approved")["use"]["id"]  # fmt: skip
    ongoing = ok(dee, "register", "use", "NeoFace Watch", "--stage", "ongoing", "--from", "2019-07-01",
                 "--to", "2021-12-31", "--camera", "static", "--reason", "adopted")["use"]["id"]  # fmt: skip
    ok(dee, "register", "contract", "NeoFace Watch", "--reference", "NEC-2019-001", "--supplier", NEC,
       "--purpose", "LFR licences and support", "--from", "2019-01-01", "--to", "2021-12-31",
       "--published-url", CONTRACT_NOTICE, "--reason", "signed")  # fmt: skip
    ok(dee, "register", "cost", "NeoFace Watch", "--year", "2018", "--stage", "trial", "--amount", "5000",
       "--use", str(trial), "--reason", "trial set-up paid in advance")  # fmt: skip
    ok(dee, "register", "cost", "NeoFace Watch", "--year", "2019", "--stage", "trial", "--amount", "20000",
       "--use", str(trial), "--reason", "invoice")  # fmt: skip
    ok(dee, "register", "cost", "NeoFace Watch", "--year", "2019", "--stage", "ongoing", "--amount", "30000",
       "--use", str(ongoing), "--reason", "invoice")  # fmt: skip
    ok(dee, "register", "document", "NeoFace Watch", "--kind", "dpia", "--title", "LFR DPIA", "--version", "1",
       "--issued", "2018-12-01", "--published", "2019-02-01", "--url", DPIA_URL, "--redacted",
       "--reason", "issued")  # fmt: skip
    ok(dee, "register", "retention", "NeoFace Watch", "--text", "Images that do not match are deleted at once.",
       "--from", "2019-01-01", "--reason", "policy section 7")  # fmt: skip
    ok(dee, "register", "contact", NEC, "--kind", "meeting", "--on", "2018-10-02", "--technology", "NeoFace Watch",
       "--summary", "demonstration of NeoFace Watch", "--reason", "minutes")  # fmt: skip
    ok(dee, "register", "contact", "Clearview AI", "--kind", "correspondence", "--on", "2020-02-10",
       "--summary", "unsolicited offer of a free trial, declined", "--reason", "email on file")  # fmt: skip
    ok(dee, "register", "contact", "Facewatch", "--kind", "meeting", "--on", "2023-05-05",
       "--summary", "retail crime partnership", "--reason", "minutes")  # fmt: skip

    # Watchkeeper, registered as two entries under the force's own names.
    ok(dee, "register", "watchkeeper", "--supplier", SUPPLIER, "--name", "Force FR - retrospective",
       "--category", "retrospective_facial_recognition", "--reason", "RFR")  # fmt: skip
    ok(dee, "register", "watchkeeper", "--supplier", SUPPLIER, "--name", "Force LFR",
       "--category", "live_facial_recognition", "--reason", "LFR")  # fmt: skip
    ok(dee, "register", "use", "Force FR - retrospective", "--stage", "trial", "--from", "2020-03-01",
       "--to", "2020-08-31", "--reason", "trial")  # fmt: skip
    ok(dee, "register", "use", "Force FR - retrospective", "--stage", "ongoing", "--from", "2020-09-01",
       "--reason", "adopted")  # fmt: skip
    ok(dee, "register", "contract", "Force LFR", "--reference", "WK-2022-01", "--supplier", SUPPLIER,
       "--purpose", "support", "--from", "2022-01-01", "--reason", "signed")  # fmt: skip

    # A predictive policing plan approved in January 2024 for April 2024 to March 2025.
    ok(dee, "register", "add", "Hotspot Pro", "--category", "geographic_predictive_policing",
       "--supplier", "Geo Analytics", "--product", "Hotspot Pro 2", "--reason", "evaluation")  # fmt: skip
    ok(dee, "register", "use", "Hotspot Pro", "--stage", "planned", "--from", "2024-04-01", "--to", "2025-03-31",
       "--approved", "2024-01-15", "--notes", "pilot in two districts", "--reason", "board approval")  # fmt: skip

    # The custody gallery's history from the old system, each image with its original enrolment date.
    ada = {**env, "WATCHKEEPER_USER": "ada"}
    ok(ada, "gallery", "create", "custody", "--reason", "custody images")
    manifest = root / "history" / "manifest.csv"
    manifest.parent.mkdir()
    rows = [
        ("obama", "examples/obama.jpg", "2019-02-01"),
        ("obama", "examples/obama2.jpg", "2019-02-01"),
        ("biden", "examples/biden.jpg", "2020-06-10"),
        ("kit", "examples/knn_examples/test/johnsnow_test1.jpg", "2021-03-01"),
    ]
    with manifest.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["subject", "image", "enrolled_on"])
        writer.writerows((subject, str(SHARED_FACES / image), day) for subject, image, day in rows)
    imported = ok(ada, "gallery", "import-history", "custody", str(manifest), "--source",
                  "export of the old custody image system, 2024-05-01", "--category", "suspected_offence",
                  "--expires", "2035-01-01", "--reason", "migration to Watchkeeper")  # fmt: skip
    assert imported["faces_enrolled"] == 4
    ann = {**env, "WATCHKEEPER_USER": "ann"}
    ok(ann, "search", "custody", str(SHARED_FACES / "examples" / "obama_small.jpg"), "--case", "C-1",
       "--reason", "identify suspect", "--purpose", "robbery")  # fmt: skip

    for reference, received in (
        ("FOI-2019-01", "2019-03-15"),
        ("FOI-2020-07", "2020-07-01"),
        ("FOI-2021-05", "2021-05-10"),
        ("FOI-2023-12", "2023-12-01"),
        ("FOI-2024-02", "2024-02-01"),
    ):
        ok(dee, "foi", "receive", reference, "--received", received, "--summary", "facial recognition")
    questions = root / "questions.toml"
    questions.write_text(QUESTIONS, encoding="utf-8")
    return {**dee, "QUESTIONS": str(questions)}


def ok(env: dict[str, str], *args: str) -> dict[str, Any]:
    code, document = run({k: v for k, v in env.items() if k != "QUESTIONS"}, *args)
    assert code == 0, (args, document)
    return document


def answers(force: dict[str, str], *args: str) -> dict[str, dict[str, Any]]:
    """The drafts of ``report foi`` by question id (one period only)."""
    drafted = ok(force, "report", "foi", "--questions", force["QUESTIONS"], *args)["answers"]
    assert len({(a["period"]["first"], a["period"]["last"]) for a in drafted}) == 1
    return {a["question_id"]: a for a in drafted}


def test_holdings_are_counted_on_the_day_a_request_was_received(force: dict[str, str]) -> None:
    march_2019 = answers(force, "--request", "FOI-2019-01")["rfr-face-images"]
    assert march_2019["as_of"] == "2019-03-15"
    assert march_2019["period"] == {"first": "2019-01-01", "last": "2019-12-31"}
    assert march_2019["text"] == "Galleries searched by RFR: custody: 2 face images of 1 person at 2019-03-15."
    july_2020 = answers(force, "--request", "FOI-2020-07")["rfr-face-images"]
    assert july_2020["text"] == "Galleries searched by RFR: custody: 3 face images of 2 people at 2020-07-01."
    given_day = answers(force, "--request", "FOI-2020-07", "--as-of", "2021-03-01")["rfr-face-images"]
    assert "4 face images of 3 people at 2021-03-01" in given_day["text"]


def test_trial_and_ongoing_use_each_have_their_own_first_date(force: dict[str, str]) -> None:
    use = answers(force, "--request", "FOI-2021-05")["lfr-use"]
    assert "First trial: 2019-01-01. First ongoing use: 2019-07-01." in use["text"]
    before_adoption = answers(force, "--request", "FOI-2019-01")["lfr-use"]
    assert "First trial: 2019-01-01. No ongoing use is recorded by 2019-03-15." in before_adoption["text"]


def test_camera_kinds_are_those_of_each_stage(force: dict[str, str]) -> None:
    cameras = answers(force, "--request", "FOI-2021-05", "--year", "2019")["lfr-cameras"]
    assert cameras["status"] == "answered"
    assert cameras["text"] == (
        "Kinds of camera used in 2019: NeoFace Watch trial from 2019-01-01 to 2019-06-30: portable; NeoFace Watch "
        "ongoing from 2019-07-01 to 2021-12-31: static."
    )


def test_costs_are_never_reported_before_the_stage_they_paid_for(force: dict[str, str]) -> None:
    in_march = answers(force, "--request", "FOI-2019-01")["lfr-costs"]
    assert in_march["text"].startswith(
        "Cost of live facial recognition in 2019 up to 2019-03-15: trials £25,000.00, ongoing use £0.00"
    )
    assert (
        "£5,000.00 recorded for 2018 paid for NeoFace Watch's trial stage, which began on 2019-01-01"
        in (in_march["text"])
    )
    whole_year = answers(force, "--request", "FOI-2021-05", "--year", "2019")["lfr-costs"]
    assert whole_year["text"].startswith("Cost of live facial recognition in 2019: trials £25,000.00, ongoing use £30,")
    year_before = answers(force, "--request", "FOI-2021-05", "--year", "2018")["lfr-costs"]
    assert year_before["text"] == "No use and no cost of live facial recognition is recorded in 2018."


def test_watchkeeper_under_the_forces_own_names_is_no_supplier_gap(force: dict[str, str]) -> None:
    suppliers = answers(force, "--year", THIS_YEAR)["rfr-suppliers"]
    assert suppliers["status"] == "answered", suppliers["text"]
    assert f"{SUPPLIER} (Watchkeeper" in suppliers["text"]
    assert "not recorded" not in suppliers["text"]


def test_products_and_vendors_named_in_the_question(force: dict[str, str]) -> None:
    drafted = answers(force, "--request", "FOI-2024-02", "--from", "2018-01-01")
    products = drafted["products"]["text"]
    assert "NeoFace: NeoFace Watch (NEC Software Solutions UK, NeoFace Watch 4); NeoFace Watch trial from " in products
    assert "Clearview: correspondence with Clearview AI on 2020-02-10 (unsolicited offer" in products
    assert "Palantir Gotham: no record." in products
    vendors = drafted["vendors"]["text"]
    assert "NEC: contract NEC-2019-001 with NEC Software Solutions UK" in vendors
    assert "Facewatch: no contract; meeting with Facewatch on 2023-05-05" in vendors
    assert "Idemia: no record." in vendors
    assert "Other vendors: contract WK-2022-01 with Open Recognition Ltd" in vendors


def test_meetings_are_filtered_to_the_period_up_to_the_as_of_date(force: dict[str, str]) -> None:
    in_2020 = answers(force, "--request", "FOI-2021-05", "--year", "2020")["meetings"]
    assert in_2020["text"] == (
        "Meetings and correspondence about surveillance and analytics technology in 2020: correspondence with "
        "Clearview AI on 2020-02-10 (unsolicited offer of a free trial, declined)."
    )
    up_to_may_2023 = answers(force, "--request", "FOI-2021-05", "--from", "2018-01-01")["meetings"]
    assert "NEC" in up_to_may_2023["text"]
    assert "Facewatch" not in up_to_may_2023["text"]  # met in 2023, after the request


def test_plans_look_forward_from_the_as_of_date(force: dict[str, str]) -> None:
    approved = answers(force, "--request", "FOI-2024-02")["gpp-plans"]
    assert approved["text"] == (
        "Plans for geographic predictive policing in the 12 months from 2024-02-01 to 2025-02-01, as approved by "
        "2024-02-01: Hotspot Pro from 2024-04-01 to 2025-03-31 (approved 2024-01-15): pilot in two districts."
    )
    not_yet = answers(force, "--request", "FOI-2023-12")["gpp-plans"]
    assert not_yet["text"].startswith("No plan for geographic predictive policing in the 12 months from 2023-12-01")


def test_section_21_cites_the_published_contract_and_the_redacted_dpia(force: dict[str, str]) -> None:
    drafted = answers(force, "--request", "FOI-2021-05", "--year", "2019")
    contracts = drafted["lfr-contracts"]
    assert (
        f"NEC-2019-001 with {NEC} for LFR licences and support, 2019-01-01 to 2021-12-31 (36 months), "
        f"published at {CONTRACT_NOTICE}" in contracts["text"]
    )
    assert CONTRACT_NOTICE in contracts["citations"]
    assert "section 21" in contracts["text"]
    documents = drafted["lfr-documents"]
    assert f"published in redacted form 2019-02-01 at {DPIA_URL}" in documents["text"]
    assert DPIA_URL in documents["citations"]
    policy = "The force's retention policy for NeoFace Watch (from 2019-01-01): \"Images that do not match are deleted"

    in_2019 = drafted["lfr-retention"]["text"]
    assert in_2019.startswith(policy)
    assert "Watchkeeper" not in in_2019  # not yet in place: no enforced periods to quote
    today = answers(force, "--year", THIS_YEAR)["lfr-retention"]["text"]
    assert today.startswith(policy)
    assert f"Retention periods enforced by Watchkeeper in {THIS_YEAR}" in today


def test_a_request_that_is_not_logged_is_refused(force: dict[str, str]) -> None:
    code, refused = run({k: v for k, v in force.items() if k != "QUESTIONS"}, "report", "foi", "--request", "NOPE")
    assert (code, refused["error"]["code"]) == (1, "foi_error")
