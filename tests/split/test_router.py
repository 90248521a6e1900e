"""common.db_router.ContextRouter in a split-out service: its database holds its own context's tables
and the infrastructure tables, but nothing that points at a remote context's table."""

from __future__ import annotations

import pytest

from common.db_router import ContextRouter


@pytest.fixture
def grades_service(settings):
    settings.PRS1_HOSTED_CONTEXTS = ["grades"]
    settings.PRS1_DEFAULT_REMOTE_URL = "http://monolith:8000"
    settings.PRS1_REMOTE_CONTEXTS = "notifications=http://notifications:8000"
    return ContextRouter()


def test_a_service_migrates_its_own_context_and_plain_infrastructure(grades_service):
    assert grades_service.allow_migrate("default", "grades", model_name="graderecord") is None
    assert grades_service.allow_migrate("default", "events", model_name="outboxevent") is None
    assert grades_service.allow_migrate("default", "sagas", model_name="sagainstance") is None
    assert grades_service.allow_migrate("default", "contenttypes", model_name="contenttype") is None


def test_a_service_migrates_no_table_of_another_context(grades_service):
    assert grades_service.allow_migrate("default", "users", model_name="user") is False
    assert grades_service.allow_migrate("default", "academic", model_name="enrollment") is False
    assert grades_service.allow_migrate("default", "notifications", model_name="message") is False


def test_a_service_migrates_no_infrastructure_table_that_points_at_a_remote_context(grades_service):
    # the admin's log entries and the JWT outstanding tokens reference the user (users context)
    assert grades_service.allow_migrate("default", "admin", model_name="logentry") is False
    assert grades_service.allow_migrate("default", "token_blacklist", model_name="outstandingtoken") is False
    # the blacklist references the outstanding token, which references the user
    assert grades_service.allow_migrate("default", "token_blacklist", model_name="blacklistedtoken") is False
    # and the app's data migrations (no model named) do not run either
    assert grades_service.allow_migrate("default", "token_blacklist") is False
    assert grades_service.allow_migrate("default", "contenttypes") is None


def test_the_monolith_with_nothing_remote_migrates_everything(settings):
    settings.PRS1_HOSTED_CONTEXTS = []
    settings.PRS1_REMOTE_CONTEXTS = ""
    router = ContextRouter()
    for app_label, model_name in (("admin", "logentry"), ("token_blacklist", "blacklistedtoken"), ("users", "user"),
                                  ("grades", "graderecord")):
        assert router.allow_migrate("default", app_label, model_name=model_name) is None
    assert router.allow_migrate("default", "token_blacklist") is None
