"""Checks that the store matches the file: every grant applied once, as a membership or a pending invite."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from domain.model import ADMIN_GROUP_KEY

from .workload import Grant, expected_counts

# Rows written per command, as the handlers audit them: AdminGranted; InviteSent + GrantPending.
AUDIT_PER_STATUS = {"applied": 1, "pending": 2}
COUNTED_TABLES = ("memberships", "invites", "pending_grants", "mail_outbox", "envelopes", "audit_log")


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def expect(self, what: str, found: int, expected: int) -> None:
        self.facts[what] = found
        if found != expected:
            self.problems.append(f"{what}: {found}, expected {expected}")


def table_counts(engine: Engine, tables: tuple[str, ...] = COUNTED_TABLES) -> dict[str, int]:
    """Row counts taken before a run, so the checks also see rows written where they should not be."""
    with engine.connect() as conn:
        return counts(conn, tables)


def counts(conn: Connection, tables: tuple[str, ...] = COUNTED_TABLES) -> dict[str, int]:
    return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in tables}


def verify(engine: Engine, plan: list[Grant], command_filter: str, params: dict,
           before: dict[str, int]) -> Verification:
    """`command_filter` selects the run's commands (SQL on table commands, alias c)."""
    existing, unknown = expected_counts(plan)
    result = Verification()
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE bench_expected (account text, email_key text, existing boolean)"
                          " ON COMMIT DROP"))
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy("COPY bench_expected FROM STDIN") as copy:
                for grant in plan:
                    copy.write_row((grant.account, grant.email.casefold(), grant.exists))
        conn.execute(text("ANALYZE bench_expected"))
        one = lambda sql: conn.execute(text(sql), {**params, "admin": ADMIN_GROUP_KEY}).scalar_one()  # noqa: E731

        statuses = dict(conn.execute(text(f"SELECT c.status, count(*) FROM commands c WHERE {command_filter} "
                                          "GROUP BY c.status"), params).all())
        result.facts["statuses"] = statuses
        result.expect("commands of the run", sum(statuses.values()), len(plan))
        result.expect("commands applied", statuses.get("applied", 0), existing)
        result.expect("commands pending", statuses.get("pending", 0), unknown)
        for status in sorted(set(statuses) - {"applied", "pending"}):
            result.problems.append(f"{statuses[status]} command(s) {status}")

        result.expect("grants to existing users without their admin membership", one(
            "SELECT count(*) FROM bench_expected e WHERE e.existing AND NOT EXISTS (SELECT 1 FROM memberships m "
            "WHERE m.account = e.account AND m.group_key = :admin AND m.email_key = e.email_key)"), 0)
        result.expect("pending admin grants of unknown emails", one(
            "SELECT count(*) FROM pending_grants p JOIN bench_expected e ON p.account = e.account AND "
            "p.email_key = e.email_key WHERE NOT e.existing AND p.group_key = :admin AND p.status = 'pending'"),
            unknown)
        result.expect("live invites of unknown emails", one(
            "SELECT count(DISTINCT (i.account, i.email_key)) FROM invites i JOIN bench_expected e ON "
            "i.account = e.account AND i.email_key = e.email_key WHERE NOT e.existing AND i.status = 'pending'"),
            unknown)
        result.expect("invite mails of unknown emails", one(
            "SELECT count(*) FROM mail_outbox m JOIN invites i ON i.id = m.invite_id JOIN bench_expected e ON "
            "i.account = e.account AND i.email_key = e.email_key"), unknown)

        after = counts(conn)
        new = {table: after[table] - before[table] for table in COUNTED_TABLES}
        expected_new = {"memberships": existing, "invites": unknown, "pending_grants": unknown,
                        "mail_outbox": unknown, "envelopes": unknown,
                        "audit_log": existing * AUDIT_PER_STATUS["applied"] + unknown * AUDIT_PER_STATUS["pending"]}
        for table in COUNTED_TABLES:
            result.expect(f"new rows in {table}", new[table], expected_new[table])

        audits = conn.execute(text(
            "SELECT c.status, coalesce(a.n, 0) AS n, count(*) FROM commands c LEFT JOIN ("
            "  SELECT command_id, count(*) AS n FROM audit_log GROUP BY command_id) a ON a.command_id = c.id "
            f"WHERE {command_filter} GROUP BY 1, 2"), params).all()
        for status, n, commands in audits:
            expected = AUDIT_PER_STATUS.get(status)
            if expected is not None and n > expected:
                result.problems.append(f"{commands} {status} command(s) with {n} audit rows, expected {expected}: "
                                       "applied more than once")
            elif expected is not None and n < expected:
                result.problems.append(f"{commands} {status} command(s) with {n} audit rows, expected {expected}")
        result.expect("dead letters of the run", one(
            f"SELECT count(*) FROM dead_letters d JOIN commands c ON c.id = d.command_id WHERE {command_filter}"), 0)
        result.facts["commands tried more than once"] = one(
            f"SELECT count(*) FROM commands c WHERE {command_filter} AND c.attempts > 1")
    return result
