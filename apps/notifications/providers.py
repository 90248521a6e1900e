"""Outgoing channels: email (Django's email framework) and SMS (a Twilio-style REST provider).

Every call has the seed's timeout (SERVICE_TIMEOUTS_MS["notifications"], 10 s) and goes through
a pybreaker circuit breaker per channel with the seed's numbers (CIRCUIT_BREAKER: 5 failures,
30 s recovery, 3 half-open calls). pybreaker's `success_threshold` is the "3 half-open calls":
after the recovery timeout the breaker lets calls through in half-open state and closes once 3
consecutive trial calls succeed; one failing trial re-opens it. (pybreaker does not cap how many
trial calls run *concurrently* in half-open; with one breaker per worker process that is at most
the worker's concurrency.)

Failures are classified: `TransientProviderError` (timeouts, connection errors, 5xx, 429) count
against the breaker and are retried with backoff; `PermanentProviderError` (4xx, refused
recipient) is excluded from the breaker and fails the message for good.
"""

from __future__ import annotations

import base64
import json
import logging
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pybreaker
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ProviderError(Exception):
    permanent = False


class TransientProviderError(ProviderError):
    permanent = False


class PermanentProviderError(ProviderError):
    permanent = True


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    reference: str  # our idempotency reference for the provider, stable across retries
    to: str
    subject: str
    body_text: str
    body_html: str
    status_callback: str = ""


@dataclass(frozen=True)
class ProviderResult:
    provider_message_id: str
    status: str


def timeout_seconds() -> float:
    return settings.SERVICE_TIMEOUTS_MS["notifications"] / 1000


# --- email -------------------------------------------------------------------------------


def _smtp_code(exc: smtplib.SMTPException) -> int | None:
    code = getattr(exc, "smtp_code", None)
    if code is None and isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [value[0] for value in exc.recipients.values()]
        code = max(codes) if codes else None
    return code


def send_email(out: Outgoing) -> ProviderResult:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "prs1.local"
    message_id = f"<{out.reference}@{domain}>"
    connection = get_connection(timeout=timeout_seconds())
    email = EmailMultiAlternatives(
        subject=out.subject, body=out.body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=[out.to],
        connection=connection, headers={"Message-ID": message_id, "X-PRS1-Reference": out.reference},
    )
    if out.body_html:
        email.attach_alternative(out.body_html, "text/html")
    try:
        sent = email.send(fail_silently=False)
    except smtplib.SMTPException as exc:
        code = _smtp_code(exc)
        if code is not None and 500 <= code < 600:
            raise PermanentProviderError(f"SMTP {code}: {exc}") from exc
        raise TransientProviderError(f"SMTP: {exc!r}") from exc
    except (OSError, TimeoutError) as exc:  # socket errors, timeouts, refused connections
        raise TransientProviderError(f"SMTP connection: {exc!r}") from exc
    if not sent:
        raise TransientProviderError("the email backend accepted no message")
    return ProviderResult(provider_message_id=message_id, status="accepted")


# --- SMS -----------------------------------------------------------------------------------


def _sms_console(out: Outgoing) -> ProviderResult:
    logger.info("SMS (console backend) to %s: %s", out.to, out.body_text)
    return ProviderResult(provider_message_id=f"console-{out.reference}", status="sent")


def _sms_http(out: Outgoing) -> ProviderResult:
    """POST {SMS_PROVIDER_URL}/Accounts/{account}/Messages.json, Twilio's shape. The request carries
    our reference in the `Idempotency-Key` header: a provider that already accepted that key returns
    the original message instead of sending again (so a retry after a crash cannot double-send)."""
    account = settings.SMS_PROVIDER_ACCOUNT
    url = f"{settings.SMS_PROVIDER_URL.rstrip('/')}/Accounts/{urllib.parse.quote(account)}/Messages.json"
    fields = {"To": out.to, "From": settings.SMS_FROM_NUMBER, "Body": out.body_text}
    if out.status_callback:
        fields["StatusCallback"] = out.status_callback
    credentials = base64.b64encode(f"{account}:{settings.SMS_PROVIDER_TOKEN}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, scheme checked below
        url, data=urllib.parse.urlencode(fields).encode(), method="POST",
        headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/json", IDEMPOTENCY_HEADER: out.reference},
    )
    if not url.startswith(("http://", "https://")):
        raise PermanentProviderError(f"SMS_PROVIDER_URL must be http(s): {url!r}")
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds()) as response:  # noqa: S310
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        if exc.code >= 500 or exc.code == 429:
            raise TransientProviderError(f"SMS provider HTTP {exc.code}: {detail}") from exc
        raise PermanentProviderError(f"SMS provider HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise TransientProviderError(f"SMS provider unreachable: {exc!r}") from exc
    except ValueError as exc:
        raise TransientProviderError(f"SMS provider answered non-JSON: {exc}") from exc
    sid = str(body.get("sid") or "")
    if not sid:
        raise TransientProviderError(f"SMS provider answered without a sid: {body}")
    return ProviderResult(provider_message_id=sid, status=str(body.get("status") or "queued"))


def send_sms(out: Outgoing) -> ProviderResult:
    backend = settings.SMS_BACKEND
    if backend == "http":
        return _sms_http(out)
    if backend == "console":
        return _sms_console(out)
    raise PermanentProviderError(f"unknown SMS_BACKEND {backend!r}")


# --- circuit breakers ----------------------------------------------------------------------


class _LogListener(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state) -> None:
        from apps.notifications import metrics

        logger.warning("circuit breaker %s: %s -> %s", cb.name, getattr(old_state, "name", old_state),
                       new_state.name)
        metrics.BREAKER_STATE.labels(cb.name).set({"closed": 0, "half-open": 1, "open": 2}[new_state.name])


_breakers: dict[str, pybreaker.CircuitBreaker] = {}


def breaker(channel: str) -> pybreaker.CircuitBreaker:
    if channel not in _breakers:
        conf = settings.CIRCUIT_BREAKER
        _breakers[channel] = pybreaker.CircuitBreaker(
            fail_max=conf["failure_threshold"],
            reset_timeout=conf["recovery_timeout_s"],
            success_threshold=conf["half_open_max_calls"],
            exclude=[PermanentProviderError],
            listeners=[_LogListener()],
            name=f"notifications-{channel.lower()}",
            throw_new_error_on_trip=False,
        )
    return _breakers[channel]


def reset_breakers() -> None:
    """Forget every breaker (tests, or after changing CIRCUIT_BREAKER)."""
    _breakers.clear()


BreakerOpen = pybreaker.CircuitBreakerError

_SENDERS = {"EMAIL": send_email, "SMS": send_sms}


def send(channel: str, out: Outgoing) -> ProviderResult:
    """Send through the channel's breaker. Raises BreakerOpen (fail fast), Transient/PermanentProviderError."""
    return breaker(channel).call(_SENDERS[channel], out)
