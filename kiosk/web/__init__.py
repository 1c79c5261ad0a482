"""The touchscreen web app (kiosk mode) and the HQ server (hq mode).

The app factory is `kiosk.web.app.create_app`; `kiosk serve` and `kiosk demo` run it under
gunicorn (`kiosk.web.server`).
"""
