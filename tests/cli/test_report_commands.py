"""The register, FOI and report commands as a user would type them, with their --json shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from watchkeeper.cli import app

runner = CliRunner()


def run(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.stdout, f"{args}: no output; exit {result.exit_code}; {result.stderr or result.exception!r}"
    return result.exit_code, json.loads(result.stdout)


def test_register_foi_and_reports(tmp_path: Path) -> None:
    setup = {"WATCHKEEPER_DATA_DIR": str(tmp_path / "data")}
    assert run(setup, "user", "add", "ada", "--role", "admin", "--reason", "first")[0] == 0
    assert run(setup, "user", "add", "dee", "--role", "disclosure", "--reason", "FOI", "--user", "ada")[0] == 0
    env = {**setup, "WATCHKEEPER_USER": "dee"}
    code, registered = run(env, "register", "watchkeeper", "--supplier", "Open Recognition Ltd", "--reason", "ours")
    assert code == 0
    assert registered["technology"]["categories"] == ["live_facial_recognition", "retrospective_facial_recognition"]
    code, use = run(env, "register", "use", "Watchkeeper", "--stage", "trial", "--from", "2024-01-01", "--reason", "r")
    assert (code, use["use"]["stage"], use["use"]["ends_on"]) == (0, "trial", None)
    assert (
        run(env, "register", "end-use", str(use["use"]["id"]), "--on", "2024-06-30", "--reason", "r")[1]["use"][
            "ends_on"
        ]
        == "2024-06-30"
    )
    code, cost = run(env, "register", "cost", "Watchkeeper", "--year", "2024", "--stage", "trial",
                     "--amount", "£12,500.5", "--reason", "invoice")  # fmt: skip
    assert (code, cost["cost"]["amount_pence"], cost["cost"]["supplier"]) == (0, 1_250_050, "Open Recognition Ltd")
    code, bad = run(
        env, "register", "cost", "Nope", "--year", "2024", "--stage", "trial", "--amount", "1", "--reason", "r"
    )
    assert (code, bad["error"]["code"]) == (1, "register_error")
    code, document = run(env, "register", "document", "Watchkeeper", "--kind", "policy", "--title", "LFR policy",
                         "--version", "1.0", "--issued", "2024-01-10", "--reason", "issued")  # fmt: skip
    assert (code, document["document"]["published_on"]) == (0, None)
    code, published = run(env, "register", "publish", str(document["document"]["id"]), "--on", "2024-01-12",
                          "--url", "https://force.example/p.pdf", "--reason", "out")  # fmt: skip
    assert published["document"]["url"] == "https://force.example/p.pdf"
    code, listed = run(env, "register", "list")
    assert [t["name"] for t in listed["register"]["technologies"]] == ["Watchkeeper"]

    code, received = run(env, "foi", "receive", "FOI-1", "--received", "2024-12-20", "--summary", "LFR use")
    assert received["request"]["due_on"] == "2025-01-23"  # 25, 26 Dec, 1 and 2 (Scotland) Jan are not counted
    code, invalid = run(env, "foi", "receive", "FOI-2", "--received", "2024-12-21", "--summary", "costs", "--no-name")
    assert (invalid["request"]["status"], invalid["request"]["due_on"]) == ("awaiting_details", None)
    code, answered = run(env, "foi", "answer", "FOI-1", "--on", "2025-01-24", "--response", "see policy",
                         "--provision", "s21", "--provision", "24(2)")  # fmt: skip
    assert answered["request"]["provisions"] == ["s21", "s24(2)"]
    assert (answered["request"]["late"], answered["request"]["neither_confirm_nor_deny"]) == (True, True)
    code, bad = run(env, "foi", "answer", "FOI-2", "--on", "2025-01-24", "--response", "x", "--provision", "s99")
    assert (code, bad["error"]["code"]) == (1, "invalid_input")
    assert [r["reference"] for r in run(env, "foi", "list")[1]["requests"]] == ["FOI-1", "FOI-2"]

    out = tmp_path / "out"
    code, report = run(env, "report", "--from", "2024-01-01", "--to", "2024-12-31", "--output-dir", str(out))
    assert code == 0
    assert report["report"]["period"] == {"first": "2024-01-01", "last": "2024-12-31"}
    assert report["report"]["spend"][0]["amount_pence"] == 1_250_050
    assert report["report"]["foi"]["received"] == 2
    assert Path(report["files"]["pdf"]).read_bytes().startswith(b"%PDF")
    code, drafted = run(env, "report", "foi", "--year", "2024", "--output-dir", str(out))
    assert code == 0
    by_id = {a["question_id"]: a for a in drafted["answers"]}
    assert by_id["lfr-costs"]["text"].startswith("Cost of live facial recognition in 2024: trials £12,500.50")
    assert by_id["lfr-documents"]["citations"] == ["https://force.example/p.pdf"]
    assert Path(drafted["files"]["markdown"]).is_file()
