"""Fixtures: a real SMTP server (aiosmtpd) and a local Twilio-style SMS provider (http.server)."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from apps.notifications import providers


@pytest.fixture(autouse=True)
def _fresh_breakers():
    providers.reset_breakers()
    yield
    providers.reset_breakers()


class _SmtpRecorder:
    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        self.messages.append({
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos), "subject": str(parsed["subject"]),
            "message_id": str(parsed["message-id"]), "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        })
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    handler = _SmtpRecorder()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


class SmsProvider:
    """Stands in for the provider: records requests, honours Idempotency-Key, can fail or stall."""

    def __init__(self):
        self.requests: list[dict] = []   # every HTTP request received
        self.sent: list[dict] = []       # messages actually "sent" to a handset
        self.by_key: dict[str, str] = {}
        self.mode = "ok"                 # ok | error500 | error400 | slow
        self.slow_seconds = 1.0
        self.lock = threading.Lock()


@pytest.fixture
def sms_provider(settings):
    state = SmsProvider()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            auth = base64.b64decode(self.headers.get("Authorization", "Basic ").split(" ", 1)[1] or b"").decode()
            key = self.headers.get("Idempotency-Key", "")
            with state.lock:
                state.requests.append({"path": self.path, "form": form, "auth": auth, "key": key})
                mode = state.mode
            if mode == "slow":
                time.sleep(state.slow_seconds)
            if mode in ("error500", "error400"):
                code = 500 if mode == "error500" else 400
                self._reply(code, {"code": 21211 if code == 400 else 0, "message": "provider error"})
                return
            with state.lock:
                if key and key in state.by_key:
                    sid = state.by_key[key]
                else:
                    sid = f"SM{len(state.sent) + 1:032d}"
                    state.sent.append({"sid": sid, **form})
                    if key:
                        state.by_key[key] = sid
            self._reply(201, {"sid": sid, "status": "queued", "to": form.get("To")})

        def _reply(self, code, body):
            data = json.dumps(body).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_PROVIDER_URL = f"http://127.0.0.1:{server.server_address[1]}/2010-04-01"
    settings.SMS_PROVIDER_ACCOUNT = "AC123"
    settings.SMS_PROVIDER_TOKEN = "tok-secret"
    settings.SMS_FROM_NUMBER = "+51111111111"
    yield state
    server.shutdown()
    server.server_close()
