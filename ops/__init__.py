"""What the operator sees of a running server: health (`/healthz`, `/readyz`), metrics in the
Prometheus text format (`/metrics`), wired into the HTTP server by `app.py`."""
