"""The calibration file and the calibration step: a simulated mat with the printed board
calibrates within the truth, the file round-trips, and bad files fail with a reason."""

from __future__ import annotations

import json
from itertools import islice

import pytest
from board_scene import BoardCamera

from kiosk.calibration import (
    CALIBRATION_SCHEMA,
    Calibration,
    CalibrationError,
    calibrate_station,
    calibration_path,
    load_calibration,
    pipeline_calibration,
    remeasure_check,
    save_calibration,
)
from kiosk.errors import ConfigError


@pytest.fixture(scope="module")
def board_frames():
    cam = BoardCamera(realtime=False)
    try:
        return list(islice(cam.frames(), 15))
    finally:
        cam.close()


@pytest.fixture(scope="module")
def calibration(board_frames) -> Calibration:
    result = calibrate_station(board_frames, "standing", kiosk_id="k1", camera_serial="123")
    assert result.ok, result.reason
    return result.calibration


@pytest.mark.slow
def test_board_on_the_mat_calibrates_height_pitch_and_scale_within_truth(calibration):
    assert abs(calibration.camera_height_m - 0.65) < 0.005
    assert abs(calibration.camera_pitch_deg - 62.0) < 0.5
    assert abs(calibration.board.square_measured_mm - 40.0) < 1.0
    assert calibration.board.corners == 24 and calibration.board.reprojection_px < 1.0
    assert calibration.station == "standing" and calibration.roi is None
    assert calibration.camera_serial == "123" and calibration.app_version


@pytest.mark.slow
def test_calibration_round_trips_and_feeds_the_pipeline_check(tmp_path, calibration, board_frames):
    path = save_calibration(calibration, calibration_path(tmp_path, "k1", "standing"))
    assert path.name == "k1-standing.json"
    assert json.loads(path.read_text())["schema"] == CALIBRATION_SCHEMA
    again = load_calibration(path)
    assert again == calibration
    d = pipeline_calibration(again)
    assert d["camera_height_m"] == calibration.camera_height_m
    check = remeasure_check(board_frames, again)
    assert check["ok"] and check["calibration"]["ok"]
    assert abs(check["calibration"]["height_error_m"]) < 0.005


@pytest.mark.slow
def test_a_camera_that_moved_fails_the_remeasure_check(calibration, board_frames):
    moved = calibration.model_copy(update={"camera_height_m": calibration.camera_height_m + 0.05})
    check = remeasure_check(board_frames, moved)
    assert not check["ok"] and check["calibration"]["height_error_m"] < -0.04


@pytest.mark.slow
def test_frames_without_the_board_fail_with_a_reason(board_frames):
    from kiosk.capture.frame import Frame

    blank = [
        Frame(f.number, f.timestamp_s, f.intrinsics, f.depth_m, f.color * 0 + 128)
        for f in board_frames
    ]
    result = calibrate_station(blank, "standing", kiosk_id="k1")
    assert not result.ok and result.calibration is None
    assert result.checks == {"board_found": False} and "board not found" in result.reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no calibration file"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "a JSON object"),
        ('{"schema": "kiosk.calibration/0"}', "not supported"),
        ('{"schema": "kiosk.calibration/1", "station": "standing"}', "calibration key"),
    ],
)
def test_bad_calibration_files_fail_with_a_one_line_reason(tmp_path, content, reason):
    p = tmp_path / "k1-standing.json"
    if content is not None:
        p.write_text(content)
    with pytest.raises(CalibrationError, match=reason) as err:
        load_calibration(p)
    assert isinstance(err.value, ConfigError) and "\n" not in str(err.value)


@pytest.mark.slow
def test_unknown_keys_and_out_of_range_values_are_rejected(tmp_path, calibration):
    data = json.loads(calibration.model_dump_json(by_alias=True))
    p = tmp_path / "c.json"
    p.write_text(json.dumps({**data, "camera_height": 1.0}))
    with pytest.raises(CalibrationError, match="camera_height"):
        load_calibration(p)
    p.write_text(json.dumps({**data, "camera_pitch_deg": 120}))
    with pytest.raises(CalibrationError, match="camera_pitch_deg"):
        load_calibration(p)
    with pytest.raises(CalibrationError, match="unknown station"):
        calibration_path(tmp_path, "k1", "roof")
