"""Benchmarks behind `kiosk bench`: its sections and the measuring core's in `run`; the web
(gunicorn and Chromium), the store and HQ, and advice harnesses in `web`, `store` and
`advice`, which the tests reuse without loading the rest."""
