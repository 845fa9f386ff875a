"""`/readyz` and `/metrics` on the real server: the figures move as traffic is driven through
it (signed Slack requests, the scheduler's own tick and outbox jobs, a 429 from Slack), the
metrics refuse a caller without the token, and readiness names what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from handlers.contract.ports import FixedClock
from tests.operations.harness import METRICS_TOKEN, OpsHarness, figure
from tests.slack.conftest import MONDAY_MORNING
from tests.slack.fake_slack import FakeSlack

MONDAY_1630_NY = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)


async def test_metrics_refuse_a_caller_without_the_token(ops: OpsHarness) -> None:
    assert (await ops.get("/metrics"))[0] == 401
    assert (await ops.get("/metrics", {"Authorization": "Bearer not-the-token"}))[0] == 401
    assert (await ops.get("/metrics", {"Authorization": METRICS_TOKEN}))[0] == 401, "the Bearer scheme is required"
    status, body = await ops.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200 and "followthrough_outbox_depth" in body


async def test_metrics_are_off_without_a_token(tmp_path: Path, fake_slack: FakeSlack) -> None:
    harness = await OpsHarness(f"sqlite+aiosqlite:///{tmp_path}/off.db", fake_slack, FixedClock(MONDAY_MORNING)).start()
    try:
        assert (await harness.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"}))[0] == 404
        assert await harness.get("/healthz") == (200, '{"ok": true}')
    finally:
        await harness.stop()


async def test_the_figures_follow_the_traffic(ops: OpsHarness) -> None:
    before = await ops.figures()
    assert figure(before, "followthrough_requests_total", platform="slack", kind="command") == 0

    await ops.command("URITA", "/commit", "20 calls every weekday")
    await ops.command("URITA", "/accountability", "list")
    after = await ops.figures()
    assert figure(after, "followthrough_requests_total", platform="slack", kind="command") == 2
    assert figure(after, "followthrough_ack_seconds_count", platform="slack", kind="command") == 2
    assert figure(after, "followthrough_ack_seconds_bucket", platform="slack", kind="command", le="3.0") == 2

    ops.clock.set(MONDAY_1630_NY)
    await ops.tick_job()
    ticked = await ops.figures()
    assert figure(ticked, "followthrough_ticks_total", result="ok") == 1
    assert figure(ticked, "followthrough_checkins_opened_total") == 1
    assert figure(ticked, "followthrough_tick_seconds_count") == 1
    assert figure(ticked, "followthrough_last_tick_timestamp_seconds") == MONDAY_1630_NY.timestamp()
    assert figure(ticked, "followthrough_outbox_depth") == 1, "the check-in waits in the outbox"

    # Slack says 429 once; after its Retry-After the send goes through.
    ops.fake.fail("chat.postMessage", status=429, retry_after=1)
    await ops.outbox_job()
    limited = await ops.until("followthrough_rate_limited_total", 1, platform="slack")
    assert figure(limited, "followthrough_rate_limited_total", platform="slack") == 1
    ops.clock.set(ops.clock.now() + timedelta(seconds=2))
    await ops.outbox_job()
    sent = await ops.until("followthrough_sends_total", 1, platform="slack", outcome="sent")
    assert figure(sent, "followthrough_sends_total", platform="slack", outcome="sent") == 1
    async with ops.db.engine.connect() as conn:  # the rate the pacing found after the 429, as it saved it
        saved = (await conn.execute(text("SELECT rate_per_second FROM send_rate WHERE workspace_id = 'T1'"))).scalar()
    assert saved is not None and figure(sent, "followthrough_send_rate", platform="slack", workspace="T1") == saved
    assert figure(sent, "followthrough_outbox_depth") == 0
    assert figure(sent, "followthrough_outbox_oldest_seconds") == 0
    assert figure(sent, "followthrough_database_up") == 1
    assert len(ops.dms("URITA")) == 1


async def test_readiness_names_what_is_wrong(ops: OpsHarness) -> None:
    status, report = await ops.ready()
    assert status == 200 and report["ok"] is True and report["failing"] == []
    assert set(report["checks"]) == {"database", "migrations", "outbox", "scheduler"}
    assert report["checks"]["migrations"]["database"] == report["checks"]["migrations"]["code"]

    # A scheduler that stopped ticking: not ready once its last tick is too old.
    await ops.tick_job()
    ops.clock.set(ops.clock.now() + timedelta(seconds=ops.settings.ready_tick_max_age + 1))
    status, report = await ops.ready()
    assert status == 503 and report["failing"] == ["scheduler"]
    await ops.tick_job()
    assert (await ops.ready())[0] == 200

    # A database behind the code's migrations.
    async with ops.db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    status, report = await ops.ready()
    assert status == 503 and report["failing"] == ["migrations"]
    assert report["checks"]["migrations"]["database"] == "0001"


async def test_an_outbox_that_falls_behind_is_not_ready(ops: OpsHarness) -> None:
    await ops.command("URITA", "/commit", "20 calls every weekday")
    ops.clock.set(MONDAY_1630_NY)
    await ops.tick_job()  # a check-in queued, and nobody sends it
    ops.clock.set(MONDAY_1630_NY + timedelta(seconds=ops.settings.ready_outbox_max_age + 30))
    await ops.tick_job()  # the scheduler is fine; the outbox is not
    status, report = await ops.ready()
    assert status == 503 and report["failing"] == ["outbox"]
    assert report["checks"]["outbox"]["depth"] == 1
    assert report["checks"]["outbox"]["oldest_seconds"] >= ops.settings.ready_outbox_max_age
    await ops.outbox_job()
    await ops.until("followthrough_outbox_depth", 0)
    status, report = await ops.ready()
    assert status == 200 and report["checks"]["outbox"]["depth"] == 0


async def test_teams_requests_are_counted_too(tmp_path: Path, fake_slack: FakeSlack) -> None:
    harness = await OpsHarness(f"sqlite+aiosqlite:///{tmp_path}/teams.db", fake_slack, FixedClock(MONDAY_MORNING),
                               metrics_token=METRICS_TOKEN, teams_enabled=True).start()
    try:
        assert harness._http is not None
        async with harness._http.post(harness.url + "/api/messages", json={"type": "typing"}) as response:
            assert response.status < 500
        figures = await harness.figures()
        assert figure(figures, "followthrough_requests_total", platform="teams", kind="activity") == 1
        assert figure(figures, "followthrough_requests_total", platform="slack", kind="command") == 0
    finally:
        await harness.stop()
