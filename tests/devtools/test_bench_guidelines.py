"""The guideline benchmark's arithmetic and plumbing (the load itself runs in `make bench`)."""

import json

import pytest
from django.core.management import CommandError, call_command

from devtools.bench import results_merge
from devtools.management.commands.bench_guidelines import (
    TARGET_ACK_P95_MS,
    AckLoad,
    ack_results,
    split_paths,
)


def test_results_give_the_p95_of_page_and_action_together():
    load = AckLoad(
        page_ms=[float(n) for n in range(1, 11)],  # 1..10
        action_ms=[float(n) for n in range(11, 21)],  # 11..20
        seconds=2.0,
        acknowledged=10,
    )
    results = ack_results(
        load=load, publish_seconds=3.456, queue_seconds=5.0, people=20_000, users=50
    )
    assert results["publish_20k_seconds"] == 3.46
    assert results["publish_20k_queue_seconds"] == 5.0
    assert results["ack_p95_ms"] == 19.0  # nearest rank of 20 values: the 19th
    bench = results["guidelines_bench"]
    assert bench["page"]["p95_ms"] == 10.0 and bench["action"]["p95_ms"] == 20.0
    assert bench["both"]["requests"] == 20 and bench["both"]["rps"] == 10.0
    assert bench["target_met"] is True and bench["target_ack_p95_ms"] == TARGET_ACK_P95_MS


def test_errors_or_a_slow_p95_miss_the_target():
    slow = ack_results(
        load=AckLoad(page_ms=[40.0], action_ms=[50.0], seconds=1),
        publish_seconds=1,
        queue_seconds=None,
        people=1,
        users=1,
    )
    assert slow["guidelines_bench"]["target_met"] is False
    assert slow["publish_20k_queue_seconds"] is None
    failing = ack_results(
        load=AckLoad(page_ms=[1.0], action_ms=[1.0], errors=1, seconds=1),
        publish_seconds=1,
        queue_seconds=1,
        people=1,
        users=1,
    )
    assert failing["guidelines_bench"]["target_met"] is False
    empty = ack_results(load=AckLoad(), publish_seconds=1, queue_seconds=1, people=0, users=1)
    assert empty["ack_p95_ms"] is None


def test_each_user_gets_their_own_people():
    parts = split_paths([f"/g/{n}/" for n in range(10)], 3)
    assert [len(part) for part in parts] == [4, 3, 3]
    flat = [path for part in parts for path in part]
    assert sorted(flat) == sorted(set(flat)) and len(flat) == 10


def test_results_are_merged_next_to_the_page_benchmark(tmp_path):
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"dashboard_p95_ms": 12.0}))
    results_merge(
        out,
        ack_results(
            load=AckLoad(page_ms=[5.0], action_ms=[7.0], seconds=1),
            publish_seconds=2,
            queue_seconds=3,
            people=1,
            users=1,
        ),
    )
    document = json.loads(out.read_text())
    assert document["dashboard_p95_ms"] == 12.0
    assert document["publish_20k_seconds"] == 2 and document["ack_p95_ms"] == 7.0


@pytest.mark.django_db
def test_the_command_refuses_to_run_without_scale_data():
    with pytest.raises(CommandError, match="seed_scale"):
        call_command("bench_guidelines", "--seconds", "1")
