"""ENVADMIN_RABBITMQ_QUEUE_TYPE: what Celery is told on RabbitMQ, nothing elsewhere, and a clear error for a type
RabbitMQ has not."""
from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings
from messaging.broker import celery_config
from messaging.queue_type import queue_arguments, requests_queue

AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def test_quorum_on_rabbitmq_declares_quorum_queues_behind_a_topic_exchange():
    settings = load_settings(broker_url=AMQP, rabbitmq_queue_type="quorum")
    config = celery_config(settings)
    assert config["task_default_queue_type"] == "quorum" and config["task_default_exchange_type"] == "topic"
    assert config["worker_detect_quorum_queues"] is True
    assert requests_queue(settings).queue_arguments == {"x-queue-type": "quorum"}


@pytest.mark.parametrize("broker, queue_type", [(AMQP, "classic"), ("redis://127.0.0.1:6379/0", "quorum"),
                                                (None, "quorum")])
def test_classic_queues_and_other_brokers_are_declared_as_before(broker, queue_type, tmp_path):
    settings = load_settings(broker_url=broker, rabbitmq_queue_type=queue_type, data_dir=tmp_path)
    config = celery_config(settings)
    assert "task_default_queue_type" not in config and "task_default_exchange_type" not in config
    assert queue_arguments(settings) is None


def test_a_type_rabbitmq_has_not_is_refused_naming_the_variable():
    with pytest.raises(SettingsError, match="ENVADMIN_RABBITMQ_QUEUE_TYPE: Input should be 'classic' or 'quorum'"):
        load_settings(rabbitmq_queue_type="mirrored")
