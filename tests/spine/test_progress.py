"""Long commands draw a progress bar with the time left on a terminal, and nothing when
their output is piped or CI is set (kiosk/progress.py)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

# a loop of 10 steps of 30 ms through kiosk.progress, as the long commands run theirs
LOOP = ("import time\nfrom kiosk.progress import progress\n"
        "for _ in progress(range(10), desc='scenes', unit='scene'):\n    time.sleep(0.03)\n"
        "print('done')\n")


def _env(ci: str | None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]),
               PYTHONWARNINGS="ignore")
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    return env


def _run_on_terminal(args: list[str], ci: str | None = None, timeout_s: float = 600) -> str:
    """Run `args` with stdout and stderr on a pseudo-terminal; everything it wrote."""
    main, sub = pty.openpty()
    # a new pseudo-terminal is 0 columns wide, where tqdm draws an empty line
    fcntl.ioctl(sub, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=sub, stderr=sub,
                            env=_env(ci), close_fds=True)
    os.close(sub)
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([main], [], [], timeout_s)
            if not ready:
                raise TimeoutError(f"{args} wrote nothing for {timeout_s} s")
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closes when the process exits
                break
            if not chunk:
                break
            out += chunk
    finally:
        proc.wait(timeout=timeout_s)
        os.close(main)
    assert proc.returncode == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


def _has_bar(text: str, desc: str, unit: str) -> bool:
    # tqdm's line: "scenes:  45%|████▌     | 9/20 [00:00<00:00, 19.6scene/s]"; the part
    # after "<" is the estimate of the time left
    return f"{desc}:" in text and "%|" in text and "<" in text and f"{unit}/s" in text


def test_a_terminal_shows_the_bar_with_the_time_left():
    out = _run_on_terminal([sys.executable, "-c", LOOP])
    assert _has_bar(out, "scenes", "scene"), out
    assert "done" in out


def test_ci_set_draws_no_bar_even_on_a_terminal():
    out = _run_on_terminal([sys.executable, "-c", LOOP], ci="true")
    assert not _has_bar(out, "scenes", "scene"), out
    assert out.strip() == "done"


def test_piped_output_draws_no_bar():
    r = subprocess.run([sys.executable, "-c", LOOP], capture_output=True, text=True,
                       env=_env(None), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "done\n"
    assert r.stderr == ""


@pytest.mark.slow
def test_kiosk_eval_shows_progress_on_a_terminal_and_none_when_piped():
    args = [sys.executable, "-m", "kiosk.cli", "eval", "--standing", "1", "--gait", "0"]
    out = _run_on_terminal(args)
    assert _has_bar(out, "standing scenes", "scene"), out
    r = subprocess.run(args, capture_output=True, text=True, env=_env(None), timeout=600)
    assert r.returncode == 0, r.stderr
    assert "%|" not in r.stderr and "\r" not in r.stderr, r.stderr
    assert "%|" not in r.stdout and "\r" not in r.stdout
    assert r.stdout.startswith("split: held_out, first seed 10000")
