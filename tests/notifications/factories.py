"""Factories of the notifications context."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from apps.notifications.models import Channel, Message, MessageStatus, NotificationPreference


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    recipient_user_id = 1
    channel = Channel.INAPP
    template_key = "bulk"
    language = "es"
    subject = factory.Sequence(lambda n: f"Aviso {n}")
    body_text = "Texto del aviso"
    status = MessageStatus.DELIVERED
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")


class PreferenceFactory(DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user_id = 1
