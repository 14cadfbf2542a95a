"""The Alembic migrations build exactly the schema the models describe, and step down and up again."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from PIL import Image

from watchkeeper.governance.db import alembic_config, make_engine, open_database
from watchkeeper.governance.schema import Base


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
