"""Errors a shopper, staff member or operator can meet.

Each carries a one-line message meant for a person; the CLI maps them to exit codes and
the web app to friendly screens. Anything else escaping is a bug.
"""


class KioskError(Exception):
    """Base of every error with a message meant for a person."""

    exit_code = 1


class InputError(KioskError):
    """A file or stream we cannot use: missing, unreadable, corrupt, wrong streams."""

    exit_code = 2


class CameraUnavailable(KioskError):
    """The camera is unplugged, busy or stopped delivering frames."""

    exit_code = 3


class NoFeetFound(KioskError):
    """The capture shows no feet (empty mat, wrong framing)."""

    exit_code = 4


class StepBack(KioskError):
    """A heel is not against the heel stop: the shopper must step back before we measure."""

    exit_code = 5


class TooFewSteps(KioskError):
    """The walk is too short to measure (fewer than two strides per foot)."""

    exit_code = 6


class ModelError(KioskError):
    """A model file is missing, corrupt or does not match its card."""

    exit_code = 7


class ConfigError(KioskError):
    """The configuration or calibration file is invalid."""

    exit_code = 8


class CatalogueError(KioskError):
    """An uploaded catalogue or rules file was rejected; the previous one stays active."""

    exit_code = 9
