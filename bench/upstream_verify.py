"""Checks an upstream run: the store matches what was sent (bench.verify for the grants; each new user added once),
every command accepted was journalled once (the retries journalled nothing), and each command's outcome reached the
upstream system once per event id, with the status the store holds."""
from __future__ import annotations

from sqlalchemy import Engine, text

from .upstream_workload import UpstreamPlan
from .verify import Verification, verify

AUDIT_PER_NEW_USER = 1  # UserAdded


def verify_upstream(engine: Engine, plan: UpstreamPlan, singles: int, key_id: str, before: dict[str, int],
                    ids: list[str], retried_ids: list[str], tally: dict) -> Verification:
    """`ids`: every command id the upstream system was answered (each request's first answer); `retried_ids`: those of
    the requests it sent twice; `tally`: OutcomeTally.figures() of what reached it; `singles`: single grants sent."""
    params = {"key": key_id}
    grant_plan = plan.grants + plan.singles[:singles]
    before_grants = {**before, "audit_log": before["audit_log"] + len(plan.new_users) * AUDIT_PER_NEW_USER}
    check = verify(engine, grant_plan, "c.api_key_id = :key AND c.type = 'grant_admin'", params, before_grants)
    with engine.connect() as conn:
        one = lambda sql: conn.execute(text(sql), {**params, "ids": ids}).scalar_one()  # noqa: E731
        check.expect("add_user commands applied", one(
            "SELECT count(*) FROM commands WHERE api_key_id = :key AND type = 'add_user' AND status = 'applied'"),
            len(plan.new_users))
        check.expect("new users in the store", one(
            "SELECT count(*) FROM users u JOIN commands c ON c.payload->>'email' = u.email "
            "WHERE c.api_key_id = :key AND c.type = 'add_user'"), len(plan.new_users))
        check.expect("add_user commands without exactly one audit row", one(  # audit_log has no command_id index
            "SELECT count(*) FROM commands c LEFT JOIN (SELECT command_id, count(*) AS n FROM audit_log "
            "GROUP BY command_id) a ON a.command_id = c.id WHERE c.api_key_id = :key AND c.type = 'add_user' AND "
            f"coalesce(a.n, 0) <> {AUDIT_PER_NEW_USER}"), 0)
        check.expect("commands the key journalled", one("SELECT count(*) FROM commands WHERE api_key_id = :key"),
                     plan.commands + singles)
        check.expect("command ids answered", len(ids), plan.commands + singles)
        check.expect("distinct command ids answered", len(set(ids)), len(ids))
        check.expect("answered ids found in the store", one(
            "SELECT count(*) FROM commands WHERE id = ANY(CAST(:ids AS uuid[]))"), len(ids))
        check.facts["commands of retried requests (journalled once)"] = len(retried_ids)
        statuses = dict(conn.execute(text("SELECT id::text, status FROM commands WHERE api_key_id = :key"),
                                     params).all())
        check.expect("outcome events written", one("SELECT count(*) FROM outcome_events WHERE api_key_id = :key"),
                     len(ids))
    outcomes = tally["outcomes"]
    check.expect("commands whose outcome never arrived", sum(1 for i in ids if i not in outcomes), 0)
    check.expect("commands with more than one outcome", sum(1 for i in ids if len(outcomes.get(i, ())) > 1), 0)
    check.expect("outcomes of commands not sent", sum(1 for i in outcomes if i not in statuses), 0)
    check.expect("outcomes unlike the store's status", sum(
        1 for i, seen in outcomes.items() if i in statuses and seen[-1] != statuses[i]), 0)
    check.expect("events delivered more than once", tally["events_delivered_more_than_once"], 0)
    check.facts["deliveries"] = tally["deliveries"]
    return check
