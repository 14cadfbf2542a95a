"""The Alembic migrations build exactly the schema the models describe, and step down and up again."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from PIL import Image

from watchkeeper.governance.db import alembic_config, make_engine, open_database
from watchkeeper.governance.schema import Base, Deployment, FoiRequest, Technology


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    open_database(url).kw["bind"].dispose()
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'steps.db'}"
    open_database(url).kw["bind"].dispose()
    command.downgrade(alembic_config(url), "base")
    command.upgrade(alembic_config(url), "head")
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    engine.dispose()


def test_tables_of_biometric_data_never_reuse_ids(tmp_path: Path) -> None:
    """The tables migration 0010 made never reuse ids stay so after every later migration, and in the models."""
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    open_database(url).kw["bind"].dispose()
    never_reused: tuple[str, ...] = (
        ScriptDirectory.from_config(alembic_config(url)).get_revision("0010").module.NEVER_REUSED
    )
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    created: dict[str, str] = {row.name: row.sql for row in rows}
    engine.dispose()
    assert {"galleries", "subjects", "enrolled_faces", "alerts"} <= set(never_reused)
    assert all("AUTOINCREMENT" in created[table] for table in never_reused)
    assert all(Base.metadata.tables[table].dialect_options["sqlite"]["autoincrement"] for table in never_reused)


def test_migrating_an_old_database_keeps_every_row_and_reference(tmp_path: Path) -> None:
    """A database from before face identifiers (0005), with a search citing an enrolled face, brought to
    the newest schema as every Watchkeeper process does on opening it: tables are rebuilt on the way
    (0006, 0010) and nothing that refers to them may be lost or cleared."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    open_database(url).kw["bind"].dispose()
    command.downgrade(alembic_config(url), "0005")
    image = io.BytesIO()
    Image.new("RGB", (8, 6)).save(image, "PNG")
    with sqlite3.connect(path) as old:
        old.executescript(
            "INSERT INTO galleries VALUES (1, 'custody', '', 'exact', 1, 'ada', '2026-01-01');"
            "INSERT INTO galleries VALUES (2, 'case', '', 'exact', 0, 'ada', '2026-01-01');"
            "INSERT INTO subjects VALUES (1, 1, 'obama', 'suspected_offence', 'r', 's', 'ada', '2026-01-01',"
            " '2099-01-01');"
            "INSERT INTO searches (id, gallery_id, gallery_name, case_reference, reason, performed_by,"
            " performed_at, probe_name, probe_sha256, k, threshold) VALUES"
            " (1, 1, 'custody', 'C-1', 'r', 'ann', '2026-01-02', 'p.jpg', 'ab', 5, 0.6);"
        )
        old.execute(
            "INSERT INTO enrolled_faces VALUES (1, 1, 1, ?, 'o.png', 'cd', 'png', ?, 0, 0, 4, 4, 2.0, 'ada',"
            " '2026-01-01')",
            (bytes(512), image.getvalue()),
        )
        old.execute("INSERT INTO search_candidates VALUES (1, 1, 1, 1, 'obama', 1, 0.3, 0.7)")

    open_database(url).kw["bind"].dispose()

    with sqlite3.connect(path) as migrated:
        assert migrated.execute("SELECT count(*) FROM subjects").fetchone() == (1,)
        assert migrated.execute("SELECT id, image_width FROM enrolled_faces").fetchall() == [(1, 8)]
        assert migrated.execute("SELECT subject_id, face_id FROM search_candidates").fetchall() == [(1, 1)]
        generations = [g for (g,) in migrated.execute("SELECT generation FROM galleries")]
    assert len(generations) == len(set(generations)) == 2
    assert all(len(g) == 32 for g in generations)


COMMA_JOINED_ROWS = (
    "INSERT INTO deployments (id, name, purpose, location, cameras, mode, trial, gallery_name, threshold,"
    " authorised_by, authorising_officer, authorised_at, starts_at, ends_at, status, faces_seen, tracks,"
    " frames_processed) VALUES (1, 'stadium', 'p', 'l', 'gate-1,gate-2', 'static', 0, 'watch', 0.6, 'ada',"
    " 'Supt.', '2026-01-01', '2026-01-01', '2026-01-02', 'ended', 0, 0, 0);"
    "INSERT INTO technologies (id, name, categories, supplier, product, description, camera_kinds, components,"
    " recorded_by, recorded_at, audit_sequence) VALUES (1, 'Watchkeeper',"
    " 'live_facial_recognition,retrospective_facial_recognition', 's', 'p', '', '', '[]', 'ada', '2026-01-01', 3);"
    "INSERT INTO foi_requests (id, reference, received_on, summary, requester_named, requester_address_given,"
    " status, exemptions, recorded_by, recorded_at, audit_sequence) VALUES"
    " (1, 'FOI-1', '2026-01-05', 's', 1, 1, 'answered', 's24(2),s31(3)', 'ann', '2026-01-05', 4),"
    " (2, 'FOI-2', '2026-01-06', 's', 1, 1, 'open', '', 'ann', '2026-01-06', 5);"
)
LIST_COLUMNS = (
    "SELECT cameras FROM deployments UNION ALL SELECT categories FROM technologies"
    " UNION ALL SELECT exemptions FROM foi_requests ORDER BY 1"
)
"""Every list column of these rows that exists at every revision from 0010 to head (a technology's camera
kinds moved to its stages in 0014)."""


def database_before_json_lists(tmp_path: Path) -> tuple[Path, str]:
    """A database at 0010 holding :data:`COMMA_JOINED_ROWS`: its file and URL."""
    path = tmp_path / "lists.db"
    url = f"sqlite:///{path}"
    open_database(url).kw["bind"].dispose()
    command.downgrade(alembic_config(url), "0010")
    with sqlite3.connect(path) as old:
        old.executescript(COMMA_JOINED_ROWS)
    return path, url


def test_comma_joined_lists_become_json_arrays(tmp_path: Path) -> None:
    """A database from before 0011 with a value in every list column, empty ones included, opened as
    every Watchkeeper process opens it: each list reads back item for item."""
    path, url = database_before_json_lists(tmp_path)
    sessions = open_database(url)
    with sessions() as session:
        deployment = session.get(Deployment, 1)
        technology = session.get(Technology, 1)
        requests = [session.get(FoiRequest, n) for n in (1, 2)]
    sessions.kw["bind"].dispose()
    assert deployment is not None
    assert technology is not None
    assert deployment.cameras == ("gate-1", "gate-2")
    assert technology.categories == ("live_facial_recognition", "retrospective_facial_recognition")
    assert technology.this_system  # the one name this system could be registered under before 0014
    assert [r.exemptions for r in requests if r is not None] == [("s24(2)", "s31(3)"), ()]
    with sqlite3.connect(path) as migrated:
        assert migrated.execute("SELECT cameras FROM deployments").fetchone() == ('["gate-1", "gate-2"]',)

    command.downgrade(alembic_config(url), "0010")
    with sqlite3.connect(path) as downgraded:
        assert [v for (v,) in downgraded.execute(LIST_COLUMNS)] == [
            "",
            "gate-1,gate-2",
            "live_facial_recognition,retrospective_facial_recognition",
            "s24(2),s31(3)",
        ]


def test_a_downgrade_refuses_a_list_item_with_a_comma_and_changes_nothing(tmp_path: Path) -> None:
    path, url = database_before_json_lists(tmp_path)
    open_database(url).kw["bind"].dispose()
    with sqlite3.connect(path) as database:
        database.execute("""UPDATE deployments SET cameras = '["gate-1", "Gate 3, north"]'""")
        before = database.execute(LIST_COLUMNS).fetchall()

    with pytest.raises(RuntimeError, match=r"deployments\.cameras holds 'Gate 3, north'"):
        command.downgrade(alembic_config(url), "0010")

    with sqlite3.connect(path) as database:
        assert database.execute(LIST_COLUMNS).fetchall() == before
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        assert database.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]


def test_a_downgrade_refuses_to_drop_the_terms_of_a_deployment_that_may_still_run(tmp_path: Path) -> None:
    """Without its minimum face size a deployment would match faces its authorisation excludes."""
    path, url = database_before_json_lists(tmp_path)
    open_database(url).kw["bind"].dispose()
    with sqlite3.connect(path) as database:
        database.execute("UPDATE deployments SET minimum_face_px = 12, status = 'authorised'")
    with pytest.raises(RuntimeError, match=r"minimum face size or recognition zones"):
        command.downgrade(alembic_config(url), "0012")
    with sqlite3.connect(path) as database:
        assert database.execute("SELECT minimum_face_px FROM deployments").fetchall() == [(12,)]
        database.execute("UPDATE deployments SET status = 'ended'")
    command.downgrade(alembic_config(url), "0012")  # an ended deployment's terms stay in its audit entry
    with sqlite3.connect(path) as database:
        columns = [row[1] for row in database.execute("PRAGMA table_info(deployments)")]
    assert "minimum_face_px" not in columns


def test_a_technologys_camera_kinds_move_to_each_of_its_stages_and_back(tmp_path: Path) -> None:
    """Before 0014 camera kinds were one setting per technology; each stage inherits them, and a downgrade
    gives the technology back the union of its stages' kinds."""
    path = tmp_path / "stages.db"
    url = f"sqlite:///{path}"
    open_database(url).kw["bind"].dispose()
    command.downgrade(alembic_config(url), "0013")
    with sqlite3.connect(path) as old:
        old.executescript(
            "INSERT INTO technologies (id, name, categories, supplier, product, description, camera_kinds,"
            " components, recorded_by, recorded_at, audit_sequence) VALUES (1, 'Watchkeeper',"
            " '[\"live_facial_recognition\"]', 's', 'p', '', '[\"portable\"]', '[]', 'ada', '2026-01-01', 3),"
            " (2, 'Other', '[\"other\"]', 's', 'p', '', '[]', '[]', 'ada', '2026-01-01', 4);"
            "INSERT INTO technology_uses (id, technology_id, stage, starts_on, ends_on, notes, recorded_by,"
            " recorded_at, audit_sequence) VALUES (1, 1, 'trial', '2025-01-01', NULL, '', 'ada', '2026-01-01', 5);"
        )
    open_database(url).kw["bind"].dispose()
    with sqlite3.connect(path) as migrated:
        assert migrated.execute("SELECT camera_kinds FROM technology_uses").fetchall() == [('["portable"]',)]
        assert migrated.execute("SELECT name, this_system FROM technologies").fetchall() == [
            ("Watchkeeper", 1),
            ("Other", 0),
        ]
        migrated.execute("""UPDATE technology_uses SET camera_kinds = '["static", "portable"]'""")
    command.downgrade(alembic_config(url), "0013")
    with sqlite3.connect(path) as downgraded:
        assert downgraded.execute("SELECT camera_kinds FROM technologies ORDER BY id").fetchall() == [
            ('["portable", "static"]',),
            ("[]",),
        ]
