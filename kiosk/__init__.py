"""Foot-alignment kiosk: depth-camera foot measurement and gait analysis for shoe stores."""

__version__ = "0.1.0"
