"""Prometheus metrics of authentication (exposed at /metrics by django-prometheus)."""

from prometheus_client import Counter

LOGINS = Counter("prs1_auth_logins_total", "Successful logins")
LOGIN_FAILURES = Counter(
    "prs1_auth_login_failures_total", "Refused logins, by reason (invalid_credentials, rate_limited)", ["reason"]
)
TOKEN_REFRESHES = Counter("prs1_auth_token_refreshes_total", "Token refreshes, by outcome (rotated, refused)", ["outcome"])
