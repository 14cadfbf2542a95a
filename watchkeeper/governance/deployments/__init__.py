"""Deployments of live recognition: authorised in advance, run only inside their window, ended on record.

Callers import from here; the modules split the record (``records``), the authorisation and its end
(``authorisation``), the camera runs (``runs``) and the alerts they raise (``alerts``).
"""

from watchkeeper.governance.audit.events import RunCounts
from watchkeeper.governance.deployments.alerts import (
    AlertRecord,
    adjudicate_alert,
    alert_crop,
    list_alerts,
    watchlist_image,
)
from watchkeeper.governance.deployments.authorisation import (
    LARGEST_MINIMUM_FACE_PX,
    DeploymentSpec,
    authorise_deployment,
    calibrate_deployment,
    end_deployment,
    face_portrait,
    watchlist_subjects,
)
from watchkeeper.governance.deployments.records import (
    AlertOutcome,
    CameraRunRecord,
    DeploymentError,
    DeploymentMode,
    DeploymentRecord,
    DeploymentStatus,
    camera_runs,
    describe_deployment,
    list_deployments,
)
from watchkeeper.governance.deployments.runs import (
    CHECKPOINT_EVERY,
    INTERRUPTED_REASON,
    SILENT_AFTER,
    DeploymentRun,
    Watchlist,
    begin_deployment,
    check_runnable,
    close_silent_runs,
)

__all__ = [
    "CHECKPOINT_EVERY",
    "INTERRUPTED_REASON",
    "LARGEST_MINIMUM_FACE_PX",
    "SILENT_AFTER",
    "AlertOutcome",
    "AlertRecord",
    "CameraRunRecord",
    "DeploymentError",
    "DeploymentMode",
    "DeploymentRecord",
    "DeploymentRun",
    "DeploymentSpec",
    "DeploymentStatus",
    "RunCounts",
    "Watchlist",
    "adjudicate_alert",
    "alert_crop",
    "authorise_deployment",
    "begin_deployment",
    "calibrate_deployment",
    "camera_runs",
    "check_runnable",
    "close_silent_runs",
    "describe_deployment",
    "end_deployment",
    "face_portrait",
    "list_alerts",
    "list_deployments",
    "watchlist_image",
    "watchlist_subjects",
]
