"""The image's HEALTHCHECK: GET http://127.0.0.1:$HEALTH_PORT$HEALTH_PATH answers 2xx (stdlib only).

web: 8000 /health (liveness; the load balancers probe /health/ready). relay, consumers, worker and beat
serve /health/live and /health/ready on their metrics port (events/metrics.py), set per service in
docker-compose.yml.
"""

import os
import sys
import urllib.request

port = os.environ.get("HEALTH_PORT", "8000")
path = os.environ.get("HEALTH_PATH", "/health")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
        sys.exit(0 if 200 <= response.status < 300 else 1)
except Exception as exc:  # any failure is "unhealthy"
    sys.stderr.write(f"unhealthy: {exc}\n")
    sys.exit(1)
