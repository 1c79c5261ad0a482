"""Frame sources: live RealSense camera, RealSense recordings, the simulator and video files."""
