"""The heel-contact strip, read from a real pseudo-terminal as from its USB serial port."""

from __future__ import annotations

import os
import threading
import time

import pytest

from kiosk.capture.heel_strip import ContactLog, HeelStrip, parse_line, step_back_code
from kiosk.cli import main
from kiosk.config import Config


class Board:
    """The strip's USB board: the master side of a pty, printing its lines."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self._stop = threading.Event()
        self.state = b"HEEL 1 1"
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Board:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            os.write(self.master, self.state + b"\n")
            time.sleep(0.05)

    def silence(self) -> None:
        self._stop.set()
        self._thread.join()

    def unplug(self) -> None:
        if self.master < 0:
            return
        self.silence()
        os.close(self.master)
        os.close(self.slave)
        self.master = self.slave = -1


def wait_for(predicate, timeout_s: float = 3.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def board():
    b = Board().start()
    yield b
    b.unplug()


@pytest.fixture
def strip(board):
    s = HeelStrip(board.path, reconnect_s=0.1)
    s.start()
    yield s
    s.stop()


def test_lines_are_parsed_and_anything_else_is_not():
    assert parse_line(b"HEEL 1 0\r\n") == (True, False)
    assert parse_line(b"HEEL 0 1") == (False, True)
    for bad in (b"", b"HEEL 1", b"HEEL 2 0", b"heel 1 1", b"HEEL 1 1 1", b"\xff\xfe"):
        assert parse_line(bad) is None


def test_step_back_codes_name_the_open_heel():
    assert step_back_code(True, True) is None
    assert step_back_code(False, True) == "step_back_left"
    assert step_back_code(True, False) == "step_back_right"
    assert step_back_code(False, False) == "step_back_both"


def test_a_capture_with_a_heel_off_the_strip_is_sent_back_and_chatter_is_not():
    log = ContactLog()
    for k in range(20):
        log.add((True, k not in (4,)))  # one open sample in twenty: switch chatter
    assert log.verdict() is None
    log = ContactLog()
    for k in range(20):
        log.add((k > 5, True))  # the left heel reached the stop late
    assert log.verdict() == "step_back_left"
    assert ContactLog([None] * 10).verdict() is None  # the strip said nothing: camera decides


def test_the_strip_reads_the_board_and_follows_it(board, strip):
    assert wait_for(lambda: strip.state() == (True, True))
    board.state = b"HEEL 0 1"
    assert wait_for(lambda: strip.state() == (False, True))
    status = strip.status()
    assert status["state"] == "ok" and status["left"] is False and status["right"] is True


def test_garbage_on_the_wire_is_counted_and_ignored(board, strip):
    board.state = b"\x00\xffnoise " * 20  # longer than any line
    assert wait_for(lambda: strip.bad_lines > 2)
    board.state = b"HEEL 1 0"
    assert wait_for(lambda: strip.state() == (True, False))


def test_a_silent_or_unplugged_strip_is_unavailable_and_comes_back(board, strip):
    assert wait_for(lambda: strip.state() is not None)
    board.unplug()
    assert wait_for(lambda: strip.state() is None)
    assert wait_for(lambda: strip.status()["state"] == "unavailable")
    assert strip.status()["error"]
    # plugged back in (udev gives the board its stable by-id name again): read at once
    again = Board()
    strip.device = again.path
    again.start()
    try:
        assert wait_for(lambda: strip.state() == (True, True), timeout_s=5.0)
    finally:
        again.unplug()


def test_a_missing_device_is_a_state_not_an_error(tmp_path):
    s = HeelStrip(str(tmp_path / "ttyACM9"), reconnect_s=0.1)
    s.start()
    try:
        assert wait_for(lambda: "cannot open" in (s.status()["error"] or ""))
        assert s.state() is None
        # no strip answering: the capture is not held up (the camera's check decides)
        assert s.wait_pressed(5.0) is None
    finally:
        s.stop()


def test_a_file_that_is_not_a_serial_port_is_refused(tmp_path):
    f = tmp_path / "notatty"
    f.write_bytes(b"HEEL 1 1\n")
    s = HeelStrip(str(f), reconnect_s=0.1)
    s.start()
    try:
        assert wait_for(lambda: "not a serial port" in (s.status()["error"] or ""))
    finally:
        s.stop()


def test_waiting_for_both_heels(board, strip):
    board.state = b"HEEL 1 0"
    assert wait_for(lambda: strip.state() == (True, False))
    heard = []
    assert strip.wait_pressed(0.3, on_wait=heard.append) == "step_back_right"
    assert heard and set(heard) == {"step_back_right"}
    threading.Timer(0.2, lambda: setattr(board, "state", b"HEEL 1 1")).start()
    assert strip.wait_pressed(3.0) is None


def test_the_config_takes_a_device_path_and_a_serial_rate_only():
    ok = Config.model_validate({"capture": {"heel_strip": {"device": "/dev/serial/by-id/usb-x"}}})
    assert ok.capture.heel_strip.baud == 115200
    assert Config.model_validate({}).capture.heel_strip.device == ""  # no strip: camera only
    for bad in ({"device": "ttyACM0"}, {"device": "/dev/tty; rm -rf /"}, {"baud": 12345}):
        with pytest.raises(ValueError):
            Config.model_validate({"capture": {"heel_strip": bad}})


def test_the_installers_command_prints_each_change(board, capsys):
    threading.Timer(0.4, lambda: setattr(board, "state", b"HEEL 0 1")).start()
    assert main(["heel-strip", "--device", board.path, "--seconds", "1.0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "heel strip: left heel pressed, right heel pressed" in out
    assert "heel strip: left heel not pressed, right heel pressed" in out


def test_the_installers_command_fails_clearly_without_a_strip(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert main(["heel-strip", "--device", str(tmp_path / "ttyACM7"), "--seconds", "0.5"]) == 3
    captured = capsys.readouterr()
    assert "never answered" in captured.err and "cannot open" in captured.out
    assert main(["heel-strip", "--seconds", "0.1"]) == 2  # none configured: say so
    assert "capture.heel_strip.device" in capsys.readouterr().err
