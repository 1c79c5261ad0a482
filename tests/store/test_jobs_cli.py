"""The timers' jobs are `kiosk` subcommands: `kiosk purge` applies the retention period to
a real SQLite store, `kiosk sync` without an HQ has nothing to send, and a bad config is
a one-line error with the config's exit code."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.store import Store, new_record, utcnow


def _config(tmp_path: Path, retention_days: int = 30) -> Path:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(
        f'version = 1\ndata_dir = "{tmp_path}"\n[store]\nretention_days = {retention_days}\n'
    )
    return cfg


def test_kiosk_purge_deletes_visits_past_the_retention_period(tmp_path, capsys):
    cfg = _config(tmp_path)
    store = Store(load_config(str(cfg)).database_url)
    ids = {"kiosk_id": "k1", "store_id": "s1", "retailer_id": "r1", "lang": "en"}
    old = new_record(**ids, app_version="test")
    long_ago = utcnow() - timedelta(days=40)
    old = old.model_copy(update={"started_at": long_ago, "updated_at": long_ago})
    fresh = new_record(**ids, app_version="test")
    store.save_session(old, enqueue=False)
    store.save_session(fresh, enqueue=False)
    store.close()

    assert main(["purge", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.startswith("purge: ")
    store = Store(load_config(str(cfg)).database_url)
    try:
        assert store.get_session(old.session_id) is None
        assert store.get_session(fresh.session_id) is not None
    finally:
        store.close()


def test_kiosk_sync_without_an_hq_has_nothing_to_send(tmp_path, capsys):
    assert main(["sync", "--config", str(_config(tmp_path)), "--max-seconds", "1"]) == 0
    assert "outbox empty" in capsys.readouterr().out


def test_kiosk_purge_with_a_bad_config_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("version = 1\nno_such_key = 3\n")
    code = main(["purge", "--config", str(bad)])
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("kiosk: ") and err.count("\n") == 1
