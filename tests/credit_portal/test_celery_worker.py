import pytest

from credit_portal.tasks import heartbeat_task
from tests.celery_helpers import celery_worker


@pytest.mark.celery_worker
@pytest.mark.redis
def test_a_real_worker_runs_a_task_end_to_end(require_redis):
    with celery_worker(require_redis) as queue:
        result = heartbeat_task.apply_async(queue=queue)
        beat = result.get(timeout=60)
    assert result.successful()
    assert set(beat) == {"worker", "at"}


def test_every_scheduled_task_exists():
    from credit_portal.celery import app

    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
