"""The checkpoints file beside the signing key: owner-only, in size order, healed when it lags (a crash after
a commit), tolerant of a torn final record, and shared by two processes appending at once."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from watchkeeper.config import Settings
from watchkeeper.governance import audit_access, galleries, users
from watchkeeper.governance.audit.checkpoint import open_checkpoint
from watchkeeper.governance.audit.heads_file import HEADS_FILE, complete_length
from watchkeeper.governance.clock import SystemClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role


def head_sizes(gov: Governance) -> list[int]:
    return [open_checkpoint(text, gov.audit.verifier).size for text in gov.audit.heads.read()]


def test_every_append_leaves_its_head_in_an_owner_only_file(gov: Governance, people: dict[Role, Actor]) -> None:
    galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "cases")
    path = gov.settings.keys_dir / HEADS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert head_sizes(gov) == list(range(1, gov.audit.size() + 1))


def test_a_file_behind_the_database_verifies_and_is_healed(gov: Governance, people: dict[Role, Actor]) -> None:
    """A crash between a commit and the file write leaves the file behind; that is no tampering."""
    galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "cases")
    path = gov.audit.heads.path
    records = gov.audit.heads.read()
    path.write_text("\n".join(records[:2]) + "\n")  # as if the last appends never reached the file
    report = audit_access.verify(gov, people[Role.AUDITOR])
    assert report.ok, report.findings
    assert head_sizes(gov) == [1, 2, gov.audit.size()]


def test_a_torn_final_record_is_ignored_then_cut_off(gov: Governance, people: dict[Role, Actor]) -> None:
    path = gov.audit.heads.path
    whole = path.read_bytes()
    torn = gov.audit.heads.read()[-1].encode()[:-30]
    path.write_bytes(whole + torn)  # a power cut in the middle of a write
    assert complete_length(path.read_bytes()) == len(whole)
    assert audit_access.verify(gov, people[Role.AUDITOR]).ok
    galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "cases")
    assert not path.read_bytes().startswith(whole + torn)
    assert head_sizes(gov) == list(range(1, gov.audit.size() + 1))


def test_the_newest_head_is_read_from_the_end_past_a_torn_record(gov: Governance, people: dict[Role, Actor]) -> None:
    galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "cases")
    heads = gov.audit.heads
    assert heads.newest() == heads.read()[-1]
    heads.path.write_bytes(heads.path.read_bytes() + heads.read()[0].encode()[:-30])
    assert heads.newest() == heads.read()[-1]
    heads.path.unlink()
    assert heads.newest() is None


APPENDER = """
import sys
from pathlib import Path
from watchkeeper.config import Settings
from watchkeeper.governance import galleries, users
from watchkeeper.governance.clock import SystemClock
from watchkeeper.governance.context import Governance
gov = Governance.open(Settings(data_dir=Path(sys.argv[1])), SystemClock())
admin = users.resolve_actor(gov, "ada")
for number in range(int(sys.argv[3])):
    galleries.create_gallery(gov, admin, f"{sys.argv[2]}-{number}", "", "concurrent appends")
"""


def test_two_processes_appending_at_once_keep_one_ordered_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    gov = Governance.open(Settings(data_dir=data_dir), SystemClock())
    users.add_user(gov, None, "ada", Role.ADMIN, "first administrator")
    users.add_user(gov, Actor("ada", Role.ADMIN), "aud", Role.AUDITOR, "staff")
    before = gov.audit.size()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    processes = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(data_dir), name, "25"], env=env)
        for name in ("left", "right")
    ]
    assert [process.wait(timeout=300) for process in processes] == [0, 0]
    assert gov.audit.size() == before + 50
    sizes = head_sizes(gov)
    assert sizes == sorted(set(sizes)), "one head per size at most, in size order"
    assert sizes[-1] == gov.audit.size()
    report = audit_access.verify(gov, Actor("aud", Role.AUDITOR))
    assert report.ok, report.findings
    assert report.heads_checked == len(sizes)
    gov.close()
