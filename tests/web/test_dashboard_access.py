"""Who sees what on the dashboard: the rule as a table (`dashboard_access.may_see`), then every
rule and every denial over real HTTP into the served app, with a seeded team: lea <- dana <-
mona, olga; zed alone; eve in another workspace. A refused page is a 403 that shows nothing of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.dashboard_access import Page, Reach, Who, may_see
from tests.web.dashboard_world import Dashboard, open_dashboard, seed_team

ME, REP, OTHER_REP, MANAGER_BELOW, THEIR_REP, STRANGER = 1, 2, 3, 4, 5, 6
REACH = Reach(reps=frozenset({REP, OTHER_REP, MANAGER_BELOW}), teams={MANAGER_BELOW: frozenset({THEIR_REP})})


def at(person_id: int, workspace: str = "T1") -> Who:
    return Who(person_id, "slack", workspace)


@pytest.mark.parametrize(
    ("target", "page", "reach", "allowed"),
    [
        pytest.param(at(ME), Page.REP, Reach(), True, id="own_page"),
        pytest.param(at(ME), Page.TEAM, Reach(), True, id="own_team_page"),
        pytest.param(at(REP), Page.REP, REACH, True, id="manager_sees_a_rep"),
        pytest.param(at(REP), Page.REP, Reach(), False, id="nobody_named_me"),
        pytest.param(at(REP), Page.TEAM, REACH, False, id="a_rep_with_no_team_is_no_team_page"),
        pytest.param(at(MANAGER_BELOW), Page.TEAM, REACH, True, id="leader_sees_a_managers_team"),
        pytest.param(at(THEIR_REP), Page.REP, REACH, True, id="leader_sees_a_rep_two_links_down"),
        pytest.param(at(THEIR_REP), Page.TEAM, REACH, False, id="two_links_down_is_no_team"),
        pytest.param(at(STRANGER), Page.REP, REACH, False, id="stranger"),
        pytest.param(at(STRANGER), Page.TEAM, REACH, False, id="strangers_team"),
        pytest.param(at(REP, "T2"), Page.REP, REACH, False, id="same_id_other_workspace"),
        pytest.param(Who(REP, "teams", "T1"), Page.REP, REACH, False, id="same_id_other_platform"),
        pytest.param(at(ME, "T2"), Page.REP, Reach(), False, id="own_id_other_workspace"),
        pytest.param(at(ME), Page.LEADER, REACH, True, id="own_leader_page"),
        pytest.param(at(MANAGER_BELOW), Page.LEADER, REACH, False, id="a_managers_leader_page_is_theirs"),
    ],
)
def test_may_see(target: Who, page: Page, reach: Reach, allowed: bool) -> None:
    assert may_see(at(ME), target, page, reach) is allowed


@pytest.fixture
async def team(tmp_path: Path) -> AsyncIterator[Dashboard]:
    async with open_dashboard(f"sqlite+aiosqlite:///{tmp_path}/team.db") as dashboard:
        await seed_team(dashboard.world)
        yield dashboard


async def pages(dash: Dashboard) -> dict[str, str]:
    ids = {name: await dash.person_id(name) for name in ("lea", "dana", "mona", "olga", "zed")}
    found = {f"{name}'s page": f"/app/people/{pid}" for name, pid in ids.items()}
    found.update({f"{name}'s team": f"/app/teams/{pid}" for name, pid in ids.items()})
    found.update({f"{name}'s leader page": f"/app/leaders/{pid}" for name, pid in ids.items()})
    found.update({f"{name}'s leader csv": f"/app/leaders/{pid}.csv" for name, pid in ids.items()})
    return found


def own_leader(name: str) -> set[str]:
    return {f"{name}'s leader page", f"{name}'s leader csv"}


async def assert_sees(dash: Dashboard, who: str, allowed: set[str]) -> None:
    for label, path in (await pages(dash)).items():
        status, body = await dash.get(who, path)
        if label in allowed:
            assert status == 200, f"{who} should see {label}: {body[:300]}"
        else:
            assert status == 403, f"{who} must not see {label} ({status})"
            assert "Not yours to see" in body
            for secret in ("update CRM", "20 calls", "zed&#39;s secret plan", "alert(1)", "has missed"):
                assert secret not in body, f"{label} leaked {secret!r} to {who}"


async def test_a_rep_sees_only_their_own_page(team: Dashboard) -> None:
    await team.sign_in("mona")
    await assert_sees(team, "mona", {"mona's page", "mona's team", *own_leader("mona")})
    status, own = await team.get("mona", f"/app/people/{await team.person_id('mona')}")
    assert "20 calls" in own


async def test_a_manager_sees_their_reps_and_their_team(team: Dashboard) -> None:
    await team.sign_in("dana")
    await assert_sees(team, "dana", {"dana's page", "dana's team", "mona's page", "olga's page", *own_leader("dana")})
    status, page = await team.get("dana", f"/app/teams/{await team.person_id('dana')}")
    assert "Mona" in page and "Olga" in page and "Zed" not in page


async def test_a_leader_sees_the_teams_below_them_and_nobody_else(team: Dashboard) -> None:
    await team.sign_in("lea")
    await assert_sees(team, "lea", {"lea's page", "lea's team", "dana's page", "dana's team", "mona's page", "olga's page", *own_leader("lea")})
    status, home = await team.get("lea", "/app/")
    assert "Dana's team" in home


async def test_a_person_nobody_named_sees_only_their_own_page(team: Dashboard) -> None:
    await team.sign_in("zed")
    await assert_sees(team, "zed", {"zed's page", "zed's team", *own_leader("zed")})


async def test_a_manager_a_rep_left_no_longer_sees_them(team: Dashboard) -> None:
    await team.world.command("olga", "accountability", "manager @zed", "zed")
    await team.sign_in("dana")
    await assert_sees(team, "dana", {"dana's page", "dana's team", "mona's page", *own_leader("dana")})
    await team.sign_in("zed")
    await assert_sees(team, "zed", {"zed's page", "zed's team", "olga's page", *own_leader("zed")})


async def test_another_workspace_sees_nothing_of_this_one(team: Dashboard) -> None:
    await team.sign_in("eve", workspace="T2")
    await assert_sees(team, "eve", set())
    status, page = await team.get("eve", "/app/people/999999")
    assert status == 403


async def test_nobody_signed_in_sees_nothing(team: Dashboard) -> None:
    for path in (await pages(team)).values():
        status, body = await team.get("anonymous", path)
        assert status == 401 and "/accountability dashboard" in body and "20 calls" not in body
