"""The heel-contact strip: one switch per heel in the heel stop's face, read over USB.

A camera in front of the mat cannot see a heel's back (docs/METHOD.md, "Heel contact"):
two heels standing equally short of the stop look exactly like two touching it. The
strip decides that case. It is two tape switches (or capacitive pads), 6–10 cm tall,
set into the stop's face where the left and right heels meet it, wired to a small USB
board that appears as a serial port (CDC ACM, e.g. /dev/ttyACM0) and prints

    HEEL <left> <right>\\n        e.g. "HEEL 1 0": left pressed, right open

at least 10 times a second and at once on every change (docs/HEEL_STRIP.md has the
wiring and the board's program). The kiosk reads it in its own thread, as it reads a
camera: a strip that is unplugged or silent is a state (`unavailable`), never an error
in a shopper's capture, and is reopened on its own when it returns.

With a strip configured and answering, the standing capture starts only while both
heels press it, and a capture during which a heel left it is sent back with the
step-back code for that side.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# A line's state is trusted this long; a strip silent for longer is `unavailable` (the
# board prints at >= 10 Hz, so 0.5 s is five missed lines, not a slow board).
STALE_AFTER_S = 0.5
# Tape switches chatter for a few milliseconds at the edge of their actuation force; a
# heel is against the stop in a capture when its switch read closed in this share of the
# capture's samples (one open sample in ten is chatter, two are a heel lifting off).
CONTACT_SHARE = 0.9
MAX_LINE_BYTES = 64  # a longer line is noise on the wire: dropped
BAUD_RATES = {9600: termios.B9600, 19200: termios.B19200, 38400: termios.B38400,
              57600: termios.B57600, 115200: termios.B115200}


def parse_line(line: bytes) -> tuple[bool, bool] | None:
    """The (left, right) state of one line from the board; None for anything else."""
    parts = line.strip().split()
    if len(parts) != 3 or parts[0] != b"HEEL" or any(p not in (b"0", b"1") for p in parts[1:]):
        return None
    return parts[1] == b"1", parts[2] == b"1"


def step_back_code(left: bool, right: bool) -> str | None:
    """The step-back code for heels that are not both pressed (None when both are)."""
    if left and right:
        return None
    if not left and not right:
        return "step_back_both"
    return "step_back_left" if not left else "step_back_right"


@dataclass
class ContactLog:
    """The strip's samples over one capture (one per camera frame)."""

    samples: list[tuple[bool, bool] | None] = field(default_factory=list)

    def add(self, state: tuple[bool, bool] | None) -> None:
        self.samples.append(state)

    def verdict(self) -> str | None:
        """A step-back code when a heel was off the stop during the capture, else None.

        Samples taken while the strip did not answer say nothing either way; a capture
        with no answered sample is left to the camera's own heel check.
        """
        known = [s for s in self.samples if s is not None]
        if not known:
            return None
        share = [sum(s[i] for s in known) / len(known) for i in (0, 1)]
        return step_back_code(share[0] >= CONTACT_SHARE, share[1] >= CONTACT_SHARE)


class HeelStrip:
    """Reads the strip's serial port in a thread; `state()` is the newest fresh reading."""

    def __init__(self, device: str, baud: int = 115200, reconnect_s: float = 1.0,
                 stale_after_s: float = STALE_AFTER_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if baud not in BAUD_RATES:
            raise ValueError(f"{baud} baud is not one of {sorted(BAUD_RATES)}")
        self.device = device
        self._baud = BAUD_RATES[baud]
        self._reconnect_s = reconnect_s
        self._stale_after_s = stale_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state: tuple[bool, bool] | None = None
        self._seen_at = -float("inf")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = "not started"
        self.lines = 0
        self.bad_lines = 0

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="heel-strip", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def state(self) -> tuple[bool, bool] | None:
        """(left pressed, right pressed), or None when the strip does not answer."""
        with self._lock:
            if self._clock() - self._seen_at > self._stale_after_s:
                return None
            return self._state

    def status(self) -> dict[str, object]:
        """For the staff pages and health: whether it answers and what it reads."""
        state = self.state()
        return {
            "device": self.device,
            "state": "ok" if state is not None else "unavailable",
            "left": None if state is None else state[0],
            "right": None if state is None else state[1],
            "error": None if state is not None else self.error,
            "lines": self.lines,
            "bad_lines": self.bad_lines,
        }

    def wait_pressed(self, timeout_s: float, on_wait: Callable[[str], None] | None = None,
                     cancelled: Callable[[], bool] = lambda: False,
                     poll_s: float = 0.05) -> str | None:
        """Wait until both heels press the strip. Returns None when they do (or when the
        strip does not answer: the camera's check stands in), else the step-back code
        still true when `timeout_s` ran out. `on_wait` hears that code while waiting."""
        deadline = self._clock() + timeout_s
        while True:
            state = self.state()
            if state is None:
                return None
            code = step_back_code(*state)
            if code is None or cancelled():
                return None
            if self._clock() >= deadline:
                return code
            if on_wait is not None:
                on_wait(code)
            time.sleep(poll_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                fd = _open_raw(self.device, self._baud)
            except OSError as exc:
                self._set_error(f"cannot open {self.device}: {exc.strerror or exc}")
                self._stop.wait(self._reconnect_s)
                continue
            log.info("heel strip: reading %s", self.device)
            try:
                self._read(fd)
            except OSError as exc:
                self._set_error(f"{self.device}: {exc.strerror or exc}")
            finally:
                os.close(fd)
            self._stop.wait(self._reconnect_s)

    def _read(self, fd: int) -> None:
        buf = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                if self._clock() - self._seen_at > self._stale_after_s:
                    self._set_error(f"{self.device} is silent")
                continue
            try:
                chunk = os.read(fd, 256)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EINTR):
                    continue
                raise
            if not chunk:  # the other end went away (a USB board unplugged)
                raise OSError(errno.ENODEV, "the strip went away")
            buf += chunk
            *lines, buf = buf.split(b"\n")
            if len(buf) > MAX_LINE_BYTES:
                buf, self.bad_lines = b"", self.bad_lines + 1
            for line in lines:
                state = parse_line(line) if len(line) <= MAX_LINE_BYTES else None
                if state is None:
                    if line.strip():
                        self.bad_lines += 1
                    continue
                with self._lock:
                    self._state, self._seen_at = state, self._clock()
                    self.error = None
                self.lines += 1

    def _set_error(self, message: str) -> None:
        with self._lock:
            if self.error != message:
                log.warning("heel strip: %s", message)
            self.error = message


def _open_raw(device: str, baud: int) -> int:
    """The serial port opened non-blocking, raw, at `baud`, not as a controlling tty."""
    fd = os.open(device, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        attrs = termios.tcgetattr(fd)
        attrs[0] = 0  # iflag: no translation of CR, no flow control
        attrs[1] = 0  # oflag
        attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL
        attrs[3] = 0  # lflag: no canonical mode, no echo
        attrs[4] = attrs[5] = baud
        attrs[6][termios.VMIN], attrs[6][termios.VTIME] = 0, 0
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    except termios.error as exc:
        os.close(fd)
        raise OSError(errno.ENOTTY, f"not a serial port ({exc})") from exc
    return fd
