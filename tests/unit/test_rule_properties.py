"""Properties of the rules, whatever the order commands arrive in (hypothesis), on the apply path with the
in-memory unit of work: the last-issued command about a person's membership decides it, and no sequence of
commands leaves an account without an active administrator."""
from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import commands as c
from domain.model import ADMIN_GROUP, ADMIN_GROUP_KEY, email_key, group_key
from domain.states import CommandStatus, GrantStatus
from workers.apply import apply_message

from .fake_unit_of_work import FakeStore
from .fake_world import LEASE, world
from .handler_steps import (
    ALICE,
    CAROL,
    STRANGER,
    T0,
    add_member,
    add_user,
    command,
    grant,
    next_time,
    remove_member,
    revoke,
)

SALES = "Sales"  # a group of account 1001 in fake_world
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Which membership a command decides, and whether it makes the person a member (or their grant pending).
JOINS = {"grant_admin": (ADMIN_GROUP_KEY, True), "revoke_admin": (ADMIN_GROUP_KEY, False),
         "add_member": (group_key(SALES), True), "remove_member": (group_key(SALES), False)}


def issued(kind: str, person: str, at: datetime, id: UUID, actor: str = ALICE) -> c.Command:
    if kind in ("grant_admin", "revoke_admin"):
        return (grant if kind == "grant_admin" else revoke)(person, actor=actor, issued_at=at, id=id)
    return (add_member if kind == "add_member" else remove_member)(SALES, person, actor=actor, issued_at=at, id=id)





def delivered(store: FakeStore, cmds: list[c.Command], cuts: list[int]) -> None:
    """Journal the commands, then deliver them in this order, in messages cut at `cuts` (one chunk each)."""
    store.log.record_submitted(cmds, T0)
    bounds = [0, *sorted({cut % (len(cmds) + 1) for cut in cuts}), len(cmds)]
    for start, end in zip(bounds, bounds[1:]):
        if start < end:
            message = {"commands": [cmd.model_dump(mode="json") for cmd in cmds[start:end]]}
            apply_message(message, store.unit_of_work, max_attempts=5, chunk=500, lease=LEASE)


def last_issued(cmds: list[c.Command]) -> c.Command:
    """The command issued last; commands issued in the same instant are ordered by id, as the clocks order them."""
    return max(cmds, key=lambda cmd: (cmd.issued_at, str(cmd.id)))


orders = st.lists(st.tuples(st.sampled_from(sorted(JOINS)), st.integers(0, 5), st.uuids()), min_size=1, max_size=8)


@BOUNDED
@given(orders, st.booleans(), st.randoms(use_true_random=False), st.lists(st.integers(0, 8), max_size=3))
def test_a_persons_memberships_end_as_the_last_issued_command_about_each_says(order, registered, shuffle, cuts):
    """Grants, revokes and membership changes of one person, issued in some order and applied in any other, end in
    the state of the last-issued one about each group; a person with no user ends with that grant pending or not."""
    store = world()
    start = next_time()
    person = CAROL if registered else STRANGER
    cmds = [issued(kind, person, start + timedelta(seconds=s), id) for kind, s, id in order]
    arrival = list(cmds)
    shuffle.shuffle(arrival)

    delivered(store, arrival, cuts)

    for group, _ in set(JOINS.values()):
        about = [cmd for cmd in cmds if JOINS[cmd.type][0] == group]
        if not about:
            continue
        member = JOINS[last_issued(about).type][1]
        if registered:
            assert store.repo.is_member("1001", group, email_key(person)) == member, (group, about)
        else:
            waiting = [g for g, status in store.repo.grants.values()
                       if status == GrantStatus.PENDING and g.group == group]
            assert bool(waiting) == member, (group, about)
            assert len(waiting) <= 1  # one pending grant per person and group, the last one's
    finished = {store.status(cmd.id) for cmd in cmds}
    assert finished <= {CommandStatus.APPLIED, CommandStatus.SUPERSEDED, CommandStatus.PENDING}, finished


PEOPLE = [ALICE, CAROL, "dave@example.com", STRANGER, "support"]
KINDS = ["grant_admin", "revoke_admin", "add_user", "invite_user", "cancel_invite", "remove_admin_member",
         "delete_admin_group", "disable_user", "enable_user", "remove_user"]


def any_command(kind: str, person: str, actor: str, at: datetime, id: UUID) -> c.Command:
    email = ALICE if person == "support" else person
    if kind in ("grant_admin", "revoke_admin"):
        return issued(kind, email, at, id, actor=actor)
    if kind == "add_user":
        return add_user(email, actor=actor, issued_at=at, id=id)
    if kind == "remove_admin_member":  # the administrators' group named as a group, in another case
        return remove_member(ADMIN_GROUP.lower(), email, actor=actor, issued_at=at, id=id)
    if kind == "delete_admin_group":
        return command("delete_group", group=ADMIN_GROUP, actor=actor, issued_at=at, id=id)
    return command(kind, email=email, actor=actor, issued_at=at, id=id)


anyones = st.tuples(st.sampled_from(KINDS), st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(0, 20),
                    st.uuids())


@BOUNDED
@given(st.lists(anyones, min_size=1, max_size=12), st.lists(st.integers(0, 12), max_size=4))
def test_no_sequence_of_commands_leaves_an_account_without_an_active_administrator(drawn, cuts):
    """Whoever issues them, in whatever order and messages they arrive: grants, revokes (as such, or as the
    removal of a member from the administrators' group), new users, invites and their cancellation, users disabled,
    enabled and removed from the account."""
    store = world()
    start = next_time()
    cmds = [any_command(kind, person, actor, start + timedelta(seconds=s), id) for kind, person, actor, s, id in drawn]
    store.log.record_submitted(cmds, T0)
    bounds = [0, *sorted({cut % (len(cmds) + 1) for cut in cuts}), len(cmds)]
    for start, end in zip(bounds, bounds[1:]):
        if start < end:
            message = {"commands": [cmd.model_dump(mode="json") for cmd in cmds[start:end]]}
            apply_message(message, store.unit_of_work, max_attempts=5, chunk=500, lease=LEASE)
            active = store.repo.count_members("1001", ADMIN_GROUP_KEY) - \
                store.repo.count_disabled_members("1001", ADMIN_GROUP_KEY)
            assert active >= 1
    assert all(store.status(cmd.id) != CommandStatus.QUEUED for cmd in cmds)


def test_the_last_issued_of_a_grant_and_a_revoke_delivered_in_reverse_order_wins():
    """The property's simplest case, spelled out: a revoke issued after a grant, delivered before it."""
    store = world()
    start = next_time()
    first = issued("grant_admin", CAROL, start + timedelta(seconds=1), uuid4())
    then = issued("revoke_admin", CAROL, start + timedelta(seconds=2), uuid4())

    delivered(store, [then, first], cuts=[1])

    assert not store.repo.is_member("1001", ADMIN_GROUP_KEY, email_key(CAROL))
    assert store.status(first.id) == CommandStatus.SUPERSEDED
