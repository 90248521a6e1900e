"""Notifications' public face (docs/CONTRACTS.md): ids out, no model crosses.

An interface (`NotificationsContract`) of keyword-only methods. Callers use the module functions
(`notifications.send_welcome(scope=…, …)`), which forward to the local implementation
(`apps.notifications.contract_impl.LocalNotifications`) or, when the context is served by another
process, to its RPC endpoints (common.contracts).

Every method sends and takes the caller's `scope` (`common.tenancy.Scope`, keyword-only, required): a
student, section or person the scope does not reach is a 404 like an unknown one, and nothing is
queued. The integration endpoints pass the request's scope; the saga and the handlers pass `SYSTEM`.
Every send is keyed (one message per key, recipient and channel), so a repeat queues nothing new."""

from __future__ import annotations

from pydantic import JsonValue

from common.contracts import Contract, expose, idempotent
from common.tenancy import Scope

#: a template's variables: JSON values by name (a date travels as its ISO string)
TemplateContext = dict[str, JsonValue]


class NotificationsContract(Contract):
    context = "notifications"
    target = "notifications"
    implementation = "apps.notifications.contract_impl.LocalNotifications"

    @idempotent
    def send_welcome(self, *, scope: Scope, enrollment_id: int, student_id: int, section_id: int,
                     idempotency_key: str) -> list[int]:
        """Welcome the student's guardians. Returns message ids. Calling it again (with any key) for the
        same enrollment sends nothing new: the per-message keys derive from the enrollment id
        (f"welcome:{enrollment_id}:{guardian_id}:{channel}"); the caller's `idempotency_key` is accepted
        for the contract's shape and logged with the request."""
        raise NotImplementedError

    @idempotent
    def notify_guardians(self, *, scope: Scope, student_id: int, template_key: str, context: TemplateContext,
                         idempotency_key: str) -> list[int]:
        """Send `template_key` to the student's guardians on their channels. Returns message ids. Message
        keys are f"{idempotency_key}:{guardian_id}:{channel}", so repeating a call sends nothing new."""
        raise NotImplementedError

    @idempotent
    def notify_users(self, *, scope: Scope, user_ids: list[int], template_key: str, context: TemplateContext,
                     idempotency_key: str) -> list[int]:
        """Send `template_key` to the given people (e.g. staff) on email and in-app. Returns message ids;
        keyed like `notify_guardians`. For a school-scoped caller, a person of another school (or an
        unknown one) is a 404 and nothing is sent to anyone."""
        raise NotImplementedError


__getattr__ = expose(NotificationsContract)
