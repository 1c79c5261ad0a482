"""What scripts/install.sh and the units leave on disk: an HQ config with secure cookies
(and so HSTS), data files readable by the service user only."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

from kiosk.config import load_config
from kiosk.store import Store
from kiosk.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def _written_config(tmp_path: Path, mode: str) -> Path:
    """Run install.sh's config-writing block as the script would, into `tmp_path`."""
    script = (ROOT / "scripts" / "install.sh").read_text()
    block = re.search(r'^if \[ ! -f "\$conf" \]; then\n.*?^fi$', script, re.S | re.M).group(0)
    conf = tmp_path / f"{mode}.toml"
    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f"chgrp() {{ :; }}\nmode={mode}\nconf={conf}\n{block}"],
        check=True,
        timeout=30,
    )
    return conf


def test_install_writes_an_hq_config_with_secure_cookies_and_hsts(tmp_path):
    conf = _written_config(tmp_path, "hq")
    assert stat.S_IMODE(conf.stat().st_mode) & 0o007 == 0  # not world-readable
    cfg = load_config(conf).with_overrides(data_dir=str(tmp_path))
    assert cfg.web.secure_cookies and cfg.web.trusted_proxies == 1
    store = Store(f"sqlite:///{tmp_path / 'hq.sqlite3'}")
    app = create_app(cfg, store=store, hq=True)
    r = app.test_client().get("/retail/login", base_url="https://hq.example")
    assert "max-age=" in r.headers["Strict-Transport-Security"]
    assert "Secure" in r.headers["Set-Cookie"]
    kiosk_cfg = load_config(_written_config(tmp_path, "kiosk"))
    assert kiosk_cfg.capture.source == "realsense" and not kiosk_cfg.web.secure_cookies
    store.close()


def test_the_database_and_its_wal_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        store = Store(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}")
        store.set_state("probe", 1)
        for name in ("kiosk.sqlite3", "kiosk.sqlite3-wal"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        store.close()
        (tmp_path / "kiosk.sqlite3").chmod(0o644)  # an older install's file
        Store(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}").close()
        assert stat.S_IMODE((tmp_path / "kiosk.sqlite3").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_every_service_unit_writes_files_for_its_user_only():
    for unit in (ROOT / "systemd").glob("footkiosk-*.service"):
        text = unit.read_text()
        if "User=footkiosk" in text:
            assert "UMask=0077" in text, unit.name
