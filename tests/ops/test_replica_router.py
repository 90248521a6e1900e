"""The read-replica router: reads go to `replica` until the request or task writes, then stay on the
primary. Two aliases point at the same test database: the tests check routing decisions (which alias a
query is sent to, and that it runs there), not replication."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.test import RequestFactory

from apps.notifications.models import NotificationPreference
from common import replica_router
from prs1.celery import _task_started

# committed transactions (a TestCase keeps the primary in an atomic block, where every read stays on it)
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")]


@pytest.fixture(autouse=True)
def replica(transactional_db, settings):
    """`replica` = a second connection to the test database (like TEST MIRROR), for the router and for
    real queries; added once the test database is set up, so the rest of the suite never sees it."""
    alias_settings = {**connections["default"].settings_dict}
    connections.settings["replica"] = alias_settings
    settings.DATABASES = {**settings.DATABASES, "replica": alias_settings}
    connections["replica"].connect()  # opened here: the test case only lets its declared aliases connect
    with replica_router.unit_of_work():
        yield
    connections["replica"].close()
    del connections["replica"]
    connections.settings.pop("replica", None)


def test_reads_go_to_the_replica_until_the_first_write():
    assert NotificationPreference.objects.all().db == "replica"
    assert list(NotificationPreference.objects.all()) == []  # runs on the replica alias

    NotificationPreference.objects.create(user_id=7001)

    assert NotificationPreference.objects.all().db == "default"
    assert NotificationPreference.objects.filter(user_id=7001).exists()  # reads its own write
    assert NotificationPreference.objects.using("replica").filter(user_id=7001).exists()  # same database
    assert replica_router.pinned_to_primary()


def test_a_read_inside_a_transaction_stays_on_the_primary_and_pins():
    with transaction.atomic():
        assert NotificationPreference.objects.all().db == "default"
    assert NotificationPreference.objects.all().db == "default"


def test_select_for_update_is_a_write_query():
    with transaction.atomic():
        assert NotificationPreference.objects.select_for_update().db == "default"


def test_each_request_starts_on_the_replica_and_is_pinned_by_its_write():
    seen = []

    def view(request):
        seen.append(NotificationPreference.objects.all().db)
        if request.GET.get("write"):
            NotificationPreference.objects.create(user_id=7002)
            seen.append(NotificationPreference.objects.all().db)
        return None

    middleware = replica_router.PrimaryAfterWriteMiddleware(view)
    middleware(RequestFactory().get("/x", {"write": "1"}))
    middleware(RequestFactory().get("/x"))

    assert seen == ["replica", "default", "replica"]
    assert not replica_router.pinned_to_primary()


def test_each_celery_task_starts_unpinned():
    NotificationPreference.objects.create(user_id=7003)
    assert NotificationPreference.objects.all().db == "default"

    _task_started(task_id=None, task=None)

    assert NotificationPreference.objects.all().db == "replica"


def test_without_a_replica_everything_goes_to_the_primary(settings):
    settings.DATABASES = {k: v for k, v in settings.DATABASES.items() if k != "replica"}
    assert NotificationPreference.objects.all().db == "default"
    NotificationPreference.objects.create(user_id=7004)
    assert not replica_router.pinned_to_primary()


def test_the_replica_is_never_migrated():
    router = replica_router.ReplicaRouter()
    assert router.allow_migrate("replica", "notifications") is False
    assert router.allow_migrate("default", "notifications") is None
