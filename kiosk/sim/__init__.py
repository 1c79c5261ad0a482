"""Shopper simulator: standing and treadmill scenes rendered as RealSense depth + colour."""
