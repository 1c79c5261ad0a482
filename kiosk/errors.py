"""Errors a shopper, staff member or operator can meet.

Each carries a one-line English message for logs and the command line, and a stable
`code` (the table below) that the web app translates for the shopper (`error.<code>` in
`kiosk.i18n`) and reports and records keep. Words never cross the layers: the
vision code raises a code, the web looks it up. Anything else escaping is a bug.
"""

from __future__ import annotations

# Stable codes: never renamed (stored in session records, used by translations and by
# integrations); new ones may be added.
CODES = {
    "generic": "something went wrong",
    "bad_input": "a file or stream we cannot use",
    "camera_unavailable": "the camera is unplugged, busy or stopped delivering frames",
    "no_mat": "no mat or heel stop in view (camera aimed elsewhere)",
    "no_feet": "nothing stands on the mat",
    "no_legs": "feet seen but no legs above them",
    "one_foot": "only one foot on the mat",
    "foot_hidden": "a foot is only partly visible",
    "other_person": "more than two feet on the mat (someone else stands on it)",
    "clothing_over_feet": "trousers, a skirt or a dress cover the feet or lower legs",
    "feet_overlap": "the two feet touch or overlap on the mat",
    "one_leg": "one foot is lifted off the mat (standing on one leg)",
    "moving": "the shopper moved during the capture (its frames disagree)",
    "step_back_left": "the left heel is not against the heel stop",
    "step_back_right": "the right heel is not against the heel stop",
    "step_back_both": "neither heel is against the heel stop",
    "no_belt": "no treadmill belt in view",
    "no_feet_treadmill": "nobody walks on the treadmill",
    "one_leg_treadmill": "only one leg is seen on the treadmill",
    "camera_too_high": "the treadmill camera hangs too high above the belt",
    "camera_too_far": "the treadmill camera is too far behind the walker's heels",
    "too_few_steps": "the walk is too short to measure",
    "model_error": "a model file is missing, corrupt or does not match its card",
    "config_error": "the configuration or calibration file is invalid",
    "catalogue_error": "an uploaded catalogue or rules file was rejected",
}


class KioskError(Exception):
    """Base of every error with a message meant for a person."""

    exit_code = 1
    code = "generic"

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            if code not in CODES:
                raise ValueError(f"unknown error code {code!r}")
            self.code = code


class InputError(KioskError):
    """A file or stream we cannot use: missing, unreadable, corrupt, wrong streams."""

    exit_code = 2
    code = "bad_input"


class NoPlaneFound(InputError):
    """The depth image holds no floor-like plane; each station says what that means to it
    (the standing station: no mat in view)."""


class CameraUnavailable(KioskError):
    """The camera is unplugged, busy or stopped delivering frames."""

    exit_code = 3
    code = "camera_unavailable"


class NoFeetFound(KioskError):
    """The capture shows no feet (empty mat, wrong framing); `code` says which case."""

    exit_code = 4
    code = "no_feet"


class CameraPlacement(KioskError):
    """The camera sees the scene, but from where nothing can be measured well: `code` says
    which way it is off, the message says how to set it."""

    exit_code = 10
    code = "camera_too_far"


class StepBack(KioskError):
    """A heel is not against the heel stop: the shopper must step back before we measure."""

    exit_code = 5
    code = "step_back_both"


class TooFewSteps(KioskError):
    """The walk is too short to measure (fewer than two strides per foot)."""

    exit_code = 6
    code = "too_few_steps"


class ModelError(KioskError):
    """A model file is missing, corrupt or does not match its card."""

    exit_code = 7
    code = "model_error"


class ConfigError(KioskError):
    """The configuration or calibration file is invalid."""

    exit_code = 8
    code = "config_error"


class CatalogueError(KioskError):
    """An uploaded catalogue or rules file was rejected; the previous one stays active."""

    exit_code = 9
    code = "catalogue_error"
