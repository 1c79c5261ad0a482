"""RealSense camera and recordings through pyrealsense2: live D4xx, playback, and writing.

Live and playback share one reader: an `rs.pipeline` yields framesets, depth is aligned to
colour where the two streams differ, and each frameset becomes a `Frame`. Writing uses a
`software_device` with the `recorder`, so simulated scenes are real RealSense recordings
(librealsense 2.59 writes `.db3`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyrealsense2 as rs

from kiosk.capture.frame import Frame, Intrinsics
from kiosk.capture.source import FrameSource, SourceInfo
from kiosk.errors import CameraUnavailable, InputError

log = logging.getLogger(__name__)


def _rs():
    return rs


def _intrinsics(profile) -> Intrinsics:
    i = profile.as_video_stream_profile().get_intrinsics()
    return Intrinsics(i.width, i.height, i.fx, i.fy, i.ppx, i.ppy)


class _PipelineReader:
    """Turns framesets from a started `rs.pipeline` into Frames (shared by live/playback)."""

    def __init__(self, rs, profile, filters=()):
        self.rs = rs
        streams = {s.stream_type(): s for s in profile.get_streams()}
        self.has_depth = rs.stream.depth in streams
        self.has_color = rs.stream.color in streams
        self.depth_scale = 0.001
        if self.has_depth:
            dev = profile.get_device()
            for sensor in dev.query_sensors():
                if sensor.is_depth_sensor():
                    self.depth_scale = sensor.as_depth_sensor().get_depth_scale()
        self.align = None
        self.filters = list(filters)
        if self.has_depth and self.has_color:
            di = _intrinsics(streams[rs.stream.depth])
            ci = _intrinsics(streams[rs.stream.color])
            if di != ci:
                self.align = rs.align(rs.stream.color)
        ref = rs.stream.color if (self.align or not self.has_depth) else rs.stream.depth
        self.intrinsics = _intrinsics(streams[ref])

    def to_frame(self, fs) -> Frame | None:
        if self.align is not None:
            fs = self.align.process(fs)
        depth = color = None
        number, ts = 0, 0.0
        if self.has_depth:
            d = fs.get_depth_frame()
            if not d:
                return None
            for f in self.filters:
                d = f.process(d).as_depth_frame()
            depth = np.asanyarray(d.get_data()).astype(np.float32) * self.depth_scale
            number, ts = d.get_frame_number(), d.get_timestamp() / 1000.0
        if self.has_color:
            c = fs.get_color_frame()
            if c:
                color = np.array(c.get_data(), copy=True)
                if c.get_profile().format() == self.rs.format.bgr8:
                    color = color[:, :, ::-1].copy()
                if not self.has_depth:
                    number, ts = c.get_frame_number(), c.get_timestamp() / 1000.0
        return Frame(number, ts, self.intrinsics, depth, color)


_POLL_MS = 100  # how long one wait for the next frameset lasts
_STALL_MS = 2000  # a recording that yields nothing for this long has ended


class RecordingSource(FrameSource):
    """Plays a `.bag`/`.db3` recording: every frame, as fast as we read, no repeat."""

    def __init__(self, path: str | Path):
        rs = _rs()
        self.path = Path(path)
        if self.path.stat().st_size == 0:
            raise InputError(f"{self.path}: empty file, not a RealSense recording")
        self._pipe = rs.pipeline()
        cfg = rs.config()
        try:
            cfg.enable_device_from_file(str(self.path), repeat_playback=False)
            # Resolve first so the playback device exists before streaming starts: it must
            # be out of real time and paused while the pipeline starts its sensors one by
            # one. Started playing, the first sensor's frame 0 can be read before the
            # second sensor listens; the pipeline then waits for a full set and frame 0
            # is lost (1 read in 12 on a loaded 2-core machine; 0 in 300 paused).
            playback = cfg.resolve(rs.pipeline_wrapper(self._pipe)).get_device().as_playback()
            playback.set_real_time(False)
            playback.pause()
            profile = self._pipe.start(cfg)
            playback.resume()
        except RuntimeError as e:
            raise InputError(f"{self.path}: not a readable RealSense recording ({e})") from None
        self._playback = playback
        self._reader = _PipelineReader(rs, profile)
        self._started = True
        if not self._reader.has_depth and not self._reader.has_color:
            self.close()
            raise InputError(f"{self.path}: the recording has no depth or colour stream")
        fps = profile.get_streams()[0].fps()
        self.info = SourceInfo("recording", self.path.name, float(fps),
                               self._reader.has_depth, self._reader.has_color)

    def frames(self) -> Iterator[Frame]:
        last = -1
        idle_ms = 0
        while self._started:
            try:
                ok, fs = self._pipe.try_wait_for_frames(_POLL_MS)
            except RuntimeError as e:
                raise InputError(f"{self.path}: recording is corrupt ({e})") from None
            if not ok:
                # The end: the file is read and two polls found nothing left in the
                # pipeline; or playback has stalled for as long as a camera may.
                idle_ms += _POLL_MS
                stopped = self._playback.current_status() == self._reader.rs.playback_status.stopped
                if idle_ms >= _STALL_MS or (stopped and idle_ms >= 2 * _POLL_MS):
                    return
                continue
            idle_ms = 0
            frame = self._reader.to_frame(fs)
            if frame is None or frame.number == last:
                continue
            last = frame.number
            yield frame

    def close(self) -> None:
        if getattr(self, "_started", False):
            self._started = False
            with contextlib.suppress(RuntimeError):
                self._pipe.stop()


# `rs.option.visual_preset` values of the D400 series (librealsense rs400_visual_preset)
VISUAL_PRESETS = {"default": 1, "high_accuracy": 3, "high_density": 4}


@dataclass(frozen=True)
class CameraSettings:
    """Live camera settings (from the kiosk configuration, `kiosk.config.CameraConfig`).

    `replay_file` plays a recording in real time, looped, through this same live path
    (device, streams, filters, align): how QA and the tests run it without hardware.
    """

    serial: str | None = None
    width: int = 848
    height: int = 480
    fps: int = 30
    color: bool = True
    visual_preset: str | None = "high_accuracy"
    depth_units_m: float | None = None
    spatial_filter: bool = True
    temporal_filter: bool = True
    hole_filling: bool = False
    timeout_s: float = 2.0
    replay_file: str | None = None


def camera_absent(settings: CameraSettings) -> str | None:
    """Why the camera of `settings` cannot be opened now, or None if it is there.

    A device query takes about a millisecond, while `pipeline.start` with nothing
    connected takes 15 s to fail: always ask this first.
    """
    if settings.replay_file:
        p = Path(settings.replay_file)
        return None if p.is_file() else f"the replayed recording {p} is missing"
    rs = _rs()
    serials = []
    for d in rs.context().query_devices():
        if d.supports(rs.camera_info.serial_number):
            serials.append(d.get_info(rs.camera_info.serial_number))
    if not serials:
        return "no RealSense camera is connected"
    if settings.serial and settings.serial not in serials:
        return (f"the RealSense camera with serial {settings.serial} is not connected "
                f"(connected: {', '.join(serials)})")
    return None


class LiveCamera(FrameSource):
    """A connected D4xx (or a recording replayed as one). Unplugging raises
    CameraUnavailable from the frame iterator; the camera hub reopens it when it returns."""

    def __init__(self, settings: CameraSettings | None = None):
        rs = _rs()
        self.settings = s = settings or CameraSettings()
        missing = camera_absent(s)
        if missing:
            raise CameraUnavailable(missing)
        cfg = rs.config()
        self._pipe = rs.pipeline()
        if s.replay_file:
            cfg.enable_device_from_file(s.replay_file, repeat_playback=True)
        else:
            if s.serial:
                cfg.enable_device(s.serial)
            cfg.enable_stream(rs.stream.depth, s.width, s.height, rs.format.z16, s.fps)
            if s.color:
                cfg.enable_stream(rs.stream.color, s.width, s.height, rs.format.rgb8, s.fps)
        try:
            profile = self._pipe.start(cfg)
        except RuntimeError as e:
            mode = "" if s.replay_file else f" at {s.width}x{s.height} {s.fps} fps"
            raise CameraUnavailable(f"the RealSense camera could not start{mode} ({e})") from None
        dev = profile.get_device()
        if s.replay_file:
            # every frame, paced below by its own timestamps: a recording's real-time
            # mode follows the clock it was written at, which for a simulated one is
            # the writer's, not the camera's
            dev.as_playback().set_real_time(False)
        else:
            self._configure(rs, dev.first_depth_sensor())
        filters = []
        if s.spatial_filter:
            filters.append(rs.spatial_filter())
        if s.temporal_filter:
            filters.append(rs.temporal_filter())
        if s.hole_filling:
            filters.append(rs.hole_filling_filter())
        self._reader = _PipelineReader(rs, profile, filters)
        name = dev.get_info(rs.camera_info.name) if dev.supports(rs.camera_info.name) else "D4xx"
        self.firmware = (dev.get_info(rs.camera_info.firmware_version)
                         if dev.supports(rs.camera_info.firmware_version) else None)
        self.serial = (dev.get_info(rs.camera_info.serial_number)
                       if dev.supports(rs.camera_info.serial_number) else None)
        fps = float(profile.get_streams()[0].fps())
        self.info = SourceInfo("camera", name, fps, self._reader.has_depth,
                               self._reader.has_color)
        log.info("camera %s (serial %s, firmware %s) streaming %s", name, self.serial,
                 self.firmware, ", ".join(str(p) for p in profile.get_streams()))
        self._running = True

    def _configure(self, rs, depth_sensor) -> None:
        s = self.settings
        if s.visual_preset and depth_sensor.supports(rs.option.visual_preset):
            depth_sensor.set_option(rs.option.visual_preset,
                                    VISUAL_PRESETS.get(s.visual_preset, VISUAL_PRESETS["default"]))
        if s.depth_units_m and depth_sensor.supports(rs.option.depth_units):
            depth_sensor.set_option(rs.option.depth_units, s.depth_units_m)

    def frames(self) -> Iterator[Frame]:
        timeout_ms = int(self.settings.timeout_s * 1000)
        replay = bool(self.settings.replay_file)
        period_s = 1.0 / max(self.info.fps, 1.0)
        last_number, last_ts = None, None
        t0 = ts0 = 0.0
        while self._running:
            try:
                fs = self._pipe.wait_for_frames(timeout_ms)
            except RuntimeError as e:
                raise CameraUnavailable(f"the camera stopped delivering frames ({e})") from None
            frame = self._reader.to_frame(fs)
            if frame is None:
                continue
            if replay:
                if frame.number == last_number:
                    continue  # a loop's seam repeats its first frame
                if last_ts is None:
                    t0, ts0 = time.monotonic(), frame.timestamp_s
                elif frame.timestamp_s < last_ts:  # the loop began again: one frame on
                    t0, ts0 = t0 + (last_ts - ts0) + period_s, frame.timestamp_s
                last_number, last_ts = frame.number, frame.timestamp_s
                delay = t0 + (frame.timestamp_s - ts0) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield frame

    def close(self) -> None:
        if getattr(self, "_running", False):
            self._running = False
            with contextlib.suppress(RuntimeError):
                self._pipe.stop()


def connected_cameras() -> list[dict]:
    """Name, serial and firmware of every connected RealSense device (for staff health)."""
    rs = _rs()
    out = []
    for d in rs.context().query_devices():
        info = {}
        for key in ("name", "serial_number", "firmware_version", "usb_type_descriptor"):
            field = getattr(rs.camera_info, key)
            if d.supports(field):
                info[key] = d.get_info(field)
        out.append(info)
    return out


class RecordingWriter:
    """Writes depth (z16) and colour (rgb8) frames as a real RealSense recording.

    Both streams share the given intrinsics (the simulator renders colour in the depth
    camera's frame, as `rs.align` would deliver it), with identity extrinsics between them.
    """

    def __init__(self, path: str | Path, intrinsics: Intrinsics, fps: float,
                 depth_unit_m: float = 0.001, color: bool = True, depth: bool = True):
        rs = self.rs = _rs()
        self.path = Path(path)
        self.depth_unit_m = depth_unit_m
        i = intrinsics
        self._dev = rs.software_device()
        self._dev.register_info(rs.camera_info.name, "Kiosk simulator (D4xx model)")
        self._dev.register_info(rs.camera_info.serial_number, "SIM00001")

        def intr():
            r = rs.intrinsics()
            r.width, r.height, r.fx, r.fy, r.ppx, r.ppy = (
                i.width, i.height, i.fx, i.fy, i.ppx, i.ppy)
            r.model = rs.distortion.none
            r.coeffs = [0.0] * 5
            return r

        def stream(kind, uid, fmt, bpp):
            vs = rs.video_stream()
            vs.type, vs.index, vs.uid = kind, 0, uid
            vs.width, vs.height, vs.fps, vs.bpp, vs.fmt = i.width, i.height, int(fps), bpp, fmt
            vs.intrinsics = intr()
            return vs

        self._sensors = []
        self._depth = self._color = None
        if depth:
            ds = self._dev.add_sensor("Stereo Module")
            self._depth = (ds, ds.add_video_stream(stream(rs.stream.depth, 0, rs.format.z16, 2)))
            ds.add_read_only_option(rs.option.depth_units, depth_unit_m)
            self._sensors.append(self._depth)
        if color:
            cs = self._dev.add_sensor("RGB Camera")
            self._color = (cs, cs.add_video_stream(stream(rs.stream.color, 1, rs.format.rgb8, 3)))
            self._sensors.append(self._color)
        if self._depth and self._color:
            ext = rs.extrinsics()
            ext.rotation = [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0]
            ext.translation = [0.0, 0.0, 0.0]
            self._depth[1].register_extrinsics_to(self._color[1], ext)
        self._recorder = rs.recorder(str(self.path), self._dev)
        self._queue = rs.frame_queue(1000)
        for sensor, prof in self._sensors:
            sensor.open(prof)
            sensor.start(self._queue)
        self.intrinsics = i
        self.count = 0

    def write(self, number: int, timestamp_s: float, depth_m: np.ndarray | None,
              color: np.ndarray | None) -> None:
        i = self.intrinsics
        if self._depth is not None and depth_m is not None:
            raw = np.ascontiguousarray(np.rint(depth_m / self.depth_unit_m).astype(np.uint16))
            self._push(self._depth, raw, 2 * i.width, 2, number, timestamp_s)
        if self._color is not None and color is not None:
            self._push(self._color, np.ascontiguousarray(color), 3 * i.width, 3, number,
                       timestamp_s)
        self.count += 1
        # let the recorder drain: software sensors hand frames over asynchronously
        time.sleep(0.002)

    def _push(self, sensor_prof, pixels, stride, bpp, number, timestamp_s):
        rs = self.rs
        sensor, prof = sensor_prof
        f = rs.software_video_frame()
        f.pixels = pixels
        f.stride = stride
        f.bpp = bpp
        f.timestamp = timestamp_s * 1000.0
        f.domain = rs.timestamp_domain.hardware_clock
        f.frame_number = number
        f.profile = prof.as_video_stream_profile()
        sensor.on_video_frame(f)

    def close(self) -> None:
        for sensor, _ in self._sensors:
            sensor.stop()
            sensor.close()
        self._sensors = []
        self._recorder = None  # the recorder finalises the file when released
        self._dev = None

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
