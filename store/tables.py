"""The schema, as SQLAlchemy Core tables; Alembic migrations create it."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
    func,
    text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


PREREQUISITE_SQL = "type IN ('create_account', 'add_user') AND status = 'queued' AND job_id IS NOT NULL"
KEYED_SQL = "api_key_id IS NOT NULL"
DUE_DELIVERY_SQL = "state IN ('waiting', 'failing')"
UNSETTLED_SQL = "status IN ('pending', 'failed')"  # statuses a command may leave again: counted live, not tallied
LAST_SENT_SQL = "coalesce(published_at, submitted_at)"  # when a command last went to the broker
Serial = BigInteger().with_variant(Integer, "sqlite")

accounts = Table(
    "accounts", metadata,
    Column("number", String(12), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # What its mails are written in when their reader's language is not known (languages.SUPPORTED)
    Column("language", String(8), nullable=False, server_default="en"),
)

users = Table(
    "users", metadata,
    Column("email_key", String(254), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("first_name", String(200), nullable=False),
    Column("last_name", String(200), nullable=False),
    Column("password_hash", String(512)),
    Column("password_expired", Boolean, nullable=False),
    Column("created_by_account", String(12)),
    Column("created_at", UTCDateTime, nullable=False),
    # The person proved the mailbox (registered or activated through a mailed link); see domain.model.User.
    Column("verified", Boolean, nullable=False, server_default=false()),
    Column("last_sign_in_at", UTCDateTime),
    # The language the person chose (the pages' switch, the page they registered on); None: never chose
    Column("language", String(8)),
    Column("time_zone", String(64)),  # the IANA zone the person chose (languages.zones); None: UTC
)
# The directory's search by the start of a name (store.reads.directory)
Index("ix_users_first_name_lower", func.lower(users.c.first_name))
Index("ix_users_last_name_lower", func.lower(users.c.last_name))
# The directory's users by state: the few who await activation
Index("ix_users_awaiting_activation", users.c.email_key, postgresql_where=users.c.password_hash.is_(None),
      sqlite_where=users.c.password_hash.is_(None))

# Who is a user of which account: added by its administrator (or a job, the console, SCIM), registered from one of
# its invites, or a member of one of its groups. One person may be a user of several accounts. `disabled_at`: the
# account's administrator disabled them there (domain.handlers.disable_user).
account_users = Table(
    "account_users", metadata,
    Column("account", String(12), primary_key=True),
    Column("email_key", String(254), primary_key=True),
    Column("added_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    # The identity provider's own id and user name of the person, as SCIM's externalId and userName give them
    # (producers/scim); user_name is kept only where it is not the email
    Column("external_id", String(255)),
    Column("user_name", String(254)),
    Column("display_name", String(200)),
    ForeignKeyConstraint(["account"], ["accounts.number"], ondelete="CASCADE"),
    ForeignKeyConstraint(["email_key"], ["users.email_key"]),
    Index("ix_account_users_email_key", "email_key"),
    Index("ix_account_users_account_external_id", "account", "external_id"),
    # The directory's disabled users, a few of the account's
    Index("ix_account_users_disabled", "account", "email_key", postgresql_where=text("disabled_at IS NOT NULL"),
          sqlite_where=text("disabled_at IS NOT NULL")),
)

# SCIM's userName is not case-exact: the provider's user names are found by their lower case
Index("ix_account_users_account_user_name", account_users.c.account, func.lower(account_users.c.user_name))

groups = Table(
    "groups", metadata,
    Column("account", String(12), primary_key=True),
    Column("name_key", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
    # What SCIM names the group by (producers/scim): the name key changes with the name, the id never
    Column("id", Uuid, nullable=False),
    Column("external_id", String(255)),  # the identity provider's id of the group
    Column("created_at", UTCDateTime, nullable=False),
    ForeignKeyConstraint(["account"], ["accounts.number"], ondelete="CASCADE"),
    Index("ix_groups_id", "id", unique=True),
)

memberships = Table(
    "memberships", metadata,
    Column("account", String(12), primary_key=True),
    Column("group_key", String(200), primary_key=True),
    Column("email_key", String(254), primary_key=True),
    ForeignKeyConstraint(["account", "group_key"], ["groups.account", "groups.name_key"],
                         ondelete="CASCADE", onupdate="CASCADE"),
    ForeignKeyConstraint(["email_key"], ["users.email_key"]),
    Index("ix_memberships_email_key", "email_key"),
)

membership_clocks = Table(
    "membership_clocks", metadata,
    Column("account", String(12), primary_key=True),
    Column("group_key", String(200), primary_key=True),
    Column("email_key", String(254), primary_key=True),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("command_id", Uuid, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    # On PostgreSQL the table is partitioned by month of `at` (store.partitions), which its key must hold
    Column("at", UTCDateTime, nullable=False, primary_key=True),
    Column("actor", String(254), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(254), nullable=False),
    Column("account", String(12)),
    Column("command_id", Uuid, nullable=False),
    Column("source", String(16), nullable=False),  # a command's source (cli, api, job, web), or "registration"
    Column("detail", Text, nullable=False, default=""),  # in English; detail_said: its codes (store.said_json)
    Column("detail_said", JSON),
    Index("ix_audit_log_account_at", "account", "at"),
)

# Pages of commands are filled to 45 %, so that each row's claim (its lease and attempt, a few bytes more) finds
# room on its own page and is a heap-only update. Rows journalled together by COPY fill a page to its fillfactor
# exactly; at 50 %, one row in nine of a page no longer fit when all of them were claimed.
COMMANDS_FILLFACTOR = 45

commands = Table(
    "commands", metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", String(40), nullable=False),
    Column("account", String(12), nullable=False),
    Column("actor", String(254), nullable=False),
    Column("source", String(8), nullable=False),
    Column("correlation_id", String(128), nullable=False),
    # On PostgreSQL the table is partitioned by month of issued_at (store.partitions), which its key must hold; a
    # statement by ids bounds it too (domain.issued_span), so that it reads only the months of its commands
    Column("issued_at", UTCDateTime, nullable=False, primary_key=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),  # in English; reason_said: the same as codes and parameters (domain.said)
    Column("reason_said", JSON),
    Column("attempts", Integer, nullable=False, default=0),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("lease_until", UTCDateTime),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("job_id", Uuid),
    Column("job_line", Integer),
    Column("subject", String(254)),
    Column("deferrals", Integer, nullable=False, server_default="0"),  # times a worker sent it back to wait
    Column("api_key_id", String(12)),  # the API key that submitted it; NULL for the CLI, the console, jobs
    # What the relay scans: queued rows only, by when they were last sent.
    Index("ix_commands_queued_last_sent", text(LAST_SENT_SQL),
          postgresql_where=text("status = 'queued'"), sqlite_where=text("status = 'queued'")),
    Index("ix_commands_job_id_status", "job_id", "status"),
    Index("ix_commands_finished_at", "finished_at"),
    # Tiny: the commands waiting as pending grants or given up, which the dashboard counts as they are now.
    Index("ix_commands_unsettled", "status", postgresql_where=text(UNSETTLED_SQL), sqlite_where=text(UNSETTLED_SQL)),  # the ops dashboard's windows of recent minutes
    # A key's commands, newest first (GET /v1/commands). Partial: the rows of jobs and the CLI, which no key
    # submitted, cost it nothing.
    Index("ix_commands_api_key_id", "api_key_id", "submitted_at", "id",
          postgresql_where=text(KEYED_SQL), sqlite_where=text(KEYED_SQL)),
    # Tiny: only queued create_account/add_user rows of jobs, which later rows of their job may wait for.
    Index("ix_commands_job_prerequisites", "job_id", "job_line",
          postgresql_where=text(PREREQUISITE_SQL), sqlite_where=text(PREREQUISITE_SQL)),
    # Half of each page left free: a claim (attempts, lease) then writes its row's new version on the same page
    # without touching the indexes (a heap-only update), instead of an entry more in each index per claim.
    postgresql_with={"fillfactor": COMMANDS_FILLFACTOR},
)

jobs = Table(
    "jobs", metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_digest", String(64), nullable=False),
    Column("file_format", String(8), nullable=False),
    Column("actor", String(254), nullable=False),
    Column("state", String(16), nullable=False),
    Column("failure", Text),
    Column("rows_expected", Integer),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_invalid", Integer, nullable=False, default=0),
    Column("rows_submitted", Integer, nullable=False, default=0),
    Column("last_line", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("producer_seen_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime),
)

job_invalid_rows = Table(
    "job_invalid_rows", metadata,
    Column("job_id", Uuid, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("field", String(40)),
    Column("reason", Text, nullable=False),  # in English; reason_said: the same as codes and parameters (domain.said)
    Column("reason_said", JSON),
    ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
)

dead_letters = Table(
    "dead_letters", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("command_id", Uuid),
    Column("reason", Text, nullable=False),  # in English; reason_said: the same as codes and parameters (domain.said)
    Column("reason_said", JSON),
    Column("payload", Text, nullable=False),
    Column("replayed_at", UTCDateTime),  # the last replay: the command went back to the queue
    Column("replayed_by", String(254)),
)

invites = Table(
    "invites", metadata,
    Column("id", Uuid, primary_key=True),
    Column("account", String(12), nullable=False),
    Column("email_key", String(254), nullable=False),
    Column("email", String(254), nullable=False),
    Column("invited_by", String(254), nullable=False),
    Column("status", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("reason", Text),
    Index("ix_invites_email_key_status", "email_key", "status"),
    Index("ix_invites_account_status", "account", "status"),
    Index("ix_invites_account_created_at", "account", "created_at"),  # an account's invites of the last hour
)

pending_grants = Table(
    "pending_grants", metadata,
    Column("id", Uuid, primary_key=True),
    Column("invite_id", Uuid, nullable=False),
    Column("account", String(12), nullable=False),
    Column("group_key", String(200), nullable=False),
    Column("email_key", String(254), nullable=False),
    Column("command_id", Uuid, nullable=False),
    Column("actor", String(254), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    # No foreign key to invites: its per-row check, planned by a worker while the table is still empty, scans
    # the whole table for every grant of a big job. hold_grant writes the invite (or finds it live) in the same
    # transaction as the grant, and no code deletes invites.
    Index("ix_pending_grants_email_key_status", "email_key", "status"),
    Index("ix_pending_grants_account_status", "account", "status", "email_key", "group_key"),  # an account's, paged
)

envelopes = Table(
    "envelopes", metadata,
    Column("id", String(64), primary_key=True),
    Column("invite_id", Uuid, nullable=False),
    Column("recipient_key", String(254), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("key_nonce", LargeBinary, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("key_id", String(16)),  # the master key that wrapped wrapped_key; NULL: from before key ids
)

mail_outbox = Table(
    "mail_outbox", metadata,
    Column("id", Uuid, primary_key=True),
    Column("invite_id", Uuid),
    Column("to_email", String(254), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body_nonce", LargeBinary, nullable=False),
    Column("body_ciphertext", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("key_id", String(16)),  # the master key that encrypted the body; NULL: from before key ids
    Index("ix_mail_outbox_status", "status"),
)

login_failures = Table(
    "login_failures", metadata,
    # An email key, or the name of a shared secret whose tries are counted (store.secret_tries: "ops password").
    Column("email_key", String(254), primary_key=True),
    # The client address (or "local:<user>" for the CLI); "*" for the count over every client.
    Column("client", String(128), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
)

relay_marks = Table(
    "relay_marks", metadata,
    Column("queue", String(200), primary_key=True),
    # The send time of the newest message a worker has started: any message sent well before it has been
    # taken from the queue, so a command it carried that is still queued and unclaimed was lost.
    Column("started_sent_at", UTCDateTime),
    Column("republished", BigInteger, nullable=False, server_default="0"),  # commands the relay sent again
)

# What /metrics reads instead of the whole commands table: see store/metrics/command_tallies.py and store/metrics/batch_sizes.py.
command_tallies = Table(
    "command_tallies", metadata,
    Column("type", String(40), primary_key=True),
    Column("status", String(16), primary_key=True),
    # The latency bucket's upper bound, as Prometheus writes it; "untimed" for commands whose latency does not count.
    Column("le", String(16), primary_key=True),
    Column("commands", BigInteger, nullable=False),
    Column("seconds", Float, nullable=False),  # their submit-to-final latencies, added up
)

tally_marks = Table(
    "tally_marks", metadata,
    Column("name", String(40), primary_key=True),
    Column("folded_until", UTCDateTime),  # commands finished up to here are in command_tallies
)

invite_refusals = Table(  # invites and activation mails refused by a limit (domain.invite_limits), for /metrics
    "invite_refusals", metadata,
    Column("limit_name", String(16), primary_key=True),
    Column("refused", BigInteger, nullable=False),
)

batch_sizes = Table(
    "batch_sizes", metadata,
    Column("writer", String(200), primary_key=True),  # the worker process: host and pid
    Column("le", String(16), primary_key=True),
    Column("messages", BigInteger, nullable=False),
    Column("commands", BigInteger, nullable=False),
)

password_resets = Table(
    "password_resets", metadata,
    Column("token_hash", String(64), primary_key=True),  # the link's token is kept only as its hash
    Column("email_key", String(254), nullable=False),  # asked for: a row is kept whether a user has it or not
    Column("client", String(128), nullable=False),  # who asked: the requests of one client are limited too
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),  # set when the link sets a password, or when a newer link replaces it
    Index("ix_password_resets_email_key_created_at", "email_key", "created_at"),
    Index("ix_password_resets_client_created_at", "client", "created_at"),
)

web_sessions = Table(
    "web_sessions", metadata,
    # SHA-256 of the random id in the cookie: a read of this table cannot be replayed as a cookie.
    Column("id_hash", String(64), primary_key=True),
    Column("email_key", String(254)),  # whose session; NULL while nobody has signed in on it
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_email_key", "email_key"),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(12), primary_key=True),  # the public id part of `ea_<id>_<secret>`: one read by key
    Column("name", String(64), nullable=False, unique=True),
    Column("key_hash", String(80), nullable=False),  # keyed HMAC of the whole key (domain.api_keys.hash_key)
    Column("accounts", JSON),  # the account numbers the key may touch; NULL for a support key (every account)
    Column("person", String(254), nullable=False),  # whom the key acts as: an email, or "support"
    Column("callback_url", Text),  # stored only: where the key's outcomes will be posted
    # The webhook signing secret, sealed under the master key named: it signs every callback, so it is kept.
    Column("webhook_nonce", LargeBinary),
    Column("webhook_sealed", LargeBinary),
    Column("webhook_key_id", String(16)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),  # NULL: never
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("previous_hash", String(80)),  # a rotated key's old secret, valid until previous_until
    Column("previous_until", UTCDateTime),
    Column("callback_stopped_at", UTCDateTime),  # its endpoint answered 410 Gone: no more deliveries to it
)

# Each outcome of a command an API key submitted, in the order written: the feed of GET /v1/events.
outcome_events = Table(
    "outcome_events", metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),  # the feed's order, behind its opaque cursor
    Column("event_id", Uuid, nullable=False, unique=True),  # a delivery's webhook-id, the same on each retry
    Column("command_id", Uuid, nullable=False),
    Column("api_key_id", String(12), nullable=False),
    Column("account", String(12), nullable=False),
    Column("command_type", String(40), nullable=False),
    Column("type", String(32), nullable=False),  # command.<status>
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("reason_code", String(60)),  # the reason's stable code (domain.said), for programs
    Column("occurred_at", UTCDateTime, nullable=False),
    Index("ix_outcome_events_api_key_id_seq", "api_key_id", "seq"),
)

# The outbox of outcome events to send: one row per event and channel ('webhook': a key's callback URL).
webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("event_seq", BigInteger, nullable=False),
    Column("api_key_id", String(12), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("target", Text, nullable=False),  # where to: the callback URL; a reply queue for another channel
    Column("correlation_id", String(255)),  # what a channel's answer carries back to its asker, if it has one
    Column("state", String(10), nullable=False),  # waiting, sent, failing, given_up
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("last_status", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    ForeignKeyConstraint(["event_seq"], ["outcome_events.seq"]),
    Index("ix_webhook_deliveries_next_attempt_at", "next_attempt_at",
          postgresql_where=text(DUE_DELIVERY_SQL), sqlite_where=text(DUE_DELIVERY_SQL)),
    Index("ix_webhook_deliveries_api_key_id_state", "api_key_id", "state"),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    # Whose key: an API key ("key:<name>") or the shared token; one caller's keys never answer another's requests.
    Column("owner", String(80), primary_key=True),
    Column("key", String(255), primary_key=True),  # the Idempotency-Key header (or a message's id) as sent
    Column("fingerprint", String(64), nullable=False),  # SHA-256 (hex) of the first request's canonical JSON
    Column("status", Integer, nullable=False),  # the first answer, given again to a retry with the same body
    Column("answer", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# Requests taken from the broker's request queue (envadmin.requests): one row per request journalled, found again
# by its key and message_id when the broker delivers it again; where its answers go.
broker_requests = Table(
    "broker_requests", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("owner", String(64), nullable=False),  # the name of the key that sent it: message ids are per key
    Column("message_id", String(255)),  # NULL: sent without one, never found again
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of the message body
    Column("reply_to", String(255), nullable=False),
    Column("correlation_id", String(255)),
    Column("published", Boolean, nullable=False, server_default=false()),  # its commands went to the broker
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("owner", "message_id"),
    Index("ix_broker_requests_received_at", "received_at"),
)

# Where each command a broker request journalled is answered: its request's reply_to and correlation_id.
broker_reply_routes = Table(
    "broker_reply_routes", metadata,
    Column("command_id", Uuid, primary_key=True),
    Column("request_id", Serial, nullable=False),
    Column("position", Integer, nullable=False),  # in its request, as the answer lists them
    ForeignKeyConstraint(["request_id"], ["broker_requests.id"], ondelete="CASCADE"),
    Index("ix_broker_reply_routes_request_id", "request_id"),
)
