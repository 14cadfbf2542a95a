"""The governance context: one object holding what every governance operation needs.

It is opened once per process (command line run, server) and passed to the service functions, which are
the only code that writes or deletes biometric data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from watchkeeper.config import Settings
from watchkeeper.face import VIDEO_OPTIONS, DetectorKind, FaceEngine
from watchkeeper.governance.audit.store import AuditLog
from watchkeeper.governance.cameras import read_camera_detectors, read_camera_sources
from watchkeeper.governance.clock import Clock, SystemClock
from watchkeeper.governance.configuration import governed_configuration, record_configuration
from watchkeeper.governance.db import open_database
from watchkeeper.governance.indexes import GalleryIndexes
from watchkeeper.governance.policy import RetentionPolicy, read_policy
from watchkeeper.private_files import private_directory


@dataclass
class Governance:
    settings: Settings
    sessions: sessionmaker[Session]
    audit: AuditLog
    indexes: GalleryIndexes
    policy: RetentionPolicy
    engine: FaceEngine
    """Analyses still images: enrolment, gallery searches, comparisons."""
    video_engine: FaceEngine
    """Analyses video: live runs and footage search, whose probe it describes too, as the frames are."""
    clock: Clock = field(default_factory=SystemClock)
    cameras: dict[str, str] = field(default_factory=dict)
    """Camera name -> video source, from the policy file's ``[cameras]`` section."""
    camera_detectors: dict[str, DetectorKind] = field(default_factory=dict)
    """Camera name -> the detector the server runs it with, from ``[camera_detectors]``; others run the
    video engine's."""

    @classmethod
    def open(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        *,
        engine: FaceEngine | None = None,
        video_engine: FaceEngine | None = None,
    ) -> Governance:
        """Open (and migrate) the database, the audit log and the gallery indexes of ``settings``, read the
        policy file, and record the configuration in the audit log if it changed since last recorded.

        ``engine`` and ``video_engine`` default to the engine's defaults for photographs and
        :data:`~watchkeeper.face.VIDEO_OPTIONS` for video, on ``settings``' networks; a caller passes its
        own to choose another detector or to share loaded networks. Building them is cheap: networks load
        on first use, so a command that only lists records never loads one.

        The data directory is made 0700 first (created so, or tightened), so nothing in it is readable by
        another local user whatever the umask left on the files."""
        clock = clock or SystemClock()
        private_directory(settings.data_dir)
        policy = read_policy(settings.effective_config_file)
        cameras = read_camera_sources(settings.effective_config_file)
        camera_detectors = read_camera_detectors(settings.effective_config_file, cameras)
        sessions = open_database(settings.effective_database_url)
        audit = AuditLog.open(sessions, settings.keys_dir, clock)
        configuration = governed_configuration(settings, policy, cameras, camera_detectors)
        record_configuration(sessions, audit, configuration)
        return cls(
            settings,
            sessions,
            audit,
            GalleryIndexes(sessions, settings.index_dir),
            policy,
            engine or FaceEngine(settings=settings),
            video_engine or FaceEngine(VIDEO_OPTIONS, settings),
            clock,
            cameras,
            camera_detectors,
        )

    def close(self) -> None:
        """Release the database connections (a long-lived process keeps one Governance instead)."""
        bind = self.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose()
