"""Concurrent registrations never share a public code (the year's counter row is locked while assigning)."""

import threading

import pytest
from django.db import connection

from apps.users import services
from apps.users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_user_creation_gets_distinct_consecutive_codes():
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def register(worker: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(3):
                services.user_create(user_type="STUDENT", first_name=f"W{worker}", last_name=f"N{n}",
                                     document_number=f"7{worker}00000{n}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    codes = sorted(User.objects.values_list("code", flat=True))
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes]
    assert len(set(codes)) == 12 and numbers == list(range(numbers[0], numbers[0] + 12))
