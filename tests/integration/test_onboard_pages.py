"""Onboarding from the console over HTTP, on a real store: an administrator uploads a file, which becomes the same
streaming job as `envadmin onboard --by <them>`; the job's page follows it, then lists every row's outcome.

The upload's background thread journals and publishes the rows (to the embedded broker); here they are applied
from the journal as a worker applies them (tests/e2e run the same with real workers).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape
from uuid import UUID

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from domain.clock import SYSTEM_CLOCK
from producers.http_app import create_http_app
from producers.services.client import new_command
from store.expiry import expire_invites
from store.reads import job_reports, job_rows, queries
from store.tables import commands, invites, mail_outbox, users
from workers.apply import apply_message

from ..support.builders import PASSWORD_HASH, account_with_admin, add_user, choose_password, mailbox_proven
from .apply_here import applier
from .console_site import ALICE, BOB, OWN, TEMPORARY, Console

HEADER = "action,account,email,first_name,last_name,group,by\n"
CAP = 8 * 1024  # the upload cap of these tests; the app's other bodies keep ENVADMIN_API_MAX_BODY_BYTES (1 MiB)


class Uploads(Console):
    def upload(self, account: str, name: str, content: bytes, csrf: bool = True):
        data = {"csrf_token": self.csrf(f"/accounts/{account}/onboard")} if csrf else {}
        return self.browser.post(f"/accounts/{account}/onboard", data=data,
                                 files={"file": (name, content, "text/csv")}, follow_redirects=False)

    def apply_job(self, job_id: UUID) -> None:
        with self.engine.connect() as conn:
            payloads = conn.execute(select(commands.c.payload).where(commands.c.job_id == job_id)
                                    .order_by(commands.c.job_line)).scalars().all()
        apply_message({"v": 1, "commands": list(payloads)}, self.factory, max_attempts=5, chunk=500,
                      lease=timedelta(seconds=60))


@pytest.fixture
def uploads(database_url, tmp_path):
    """Account 1001 administered by Alice; Bob is a user of 1001 but no administrator."""
    settings, engine, factory, apply = applier(database_url, tmp_path, web_upload_max_bytes=CAP, job_batch=4)
    assert apply(account_with_admin("1001", ALICE), add_user(BOB)) == ["applied", "applied"]
    now = datetime.now(timezone.utc)
    assert choose_password(engine, ALICE, TEMPORARY, OWN, now).ok
    assert choose_password(engine, BOB, TEMPORARY, OWN, now).ok
    with TestClient(create_http_app(settings, pages=True, token="")) as browser:
        yield Uploads(browser, engine, factory)
    engine.dispose()


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def job_id_of(response) -> UUID:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/accounts/1001/jobs/[0-9a-f-]{36}", location)
    return UUID(location.rsplit("/", 1)[-1])


def job_table(html: str) -> list[tuple[str, str, str, str, str]]:
    """The job's rows as its page lists them: line, action, for (email, group or account), outcome, detail."""
    body = re.search(r'<table class="job-rows">.*?<tbody>(.*?)</tbody>', html, re.S)
    cells = r"<td>(.*?)</td>"
    return [tuple(unescape(cell) for cell in row) for row in
            re.findall(rf"<tr class=\"\w+\">{cells * 5}</tr>", body.group(1) if body else "")]


def test_a_ten_row_file_with_a_bad_row_runs_as_a_job_whose_page_follows_it(uploads):
    uploads.sign_in(ALICE, OWN)
    assert 'href="/accounts/1001/onboard"' in uploads.browser.get("/accounts/1001").text
    rows = [f"grant,1001,new{n}@example.com,,,," for n in range(8)]
    rows.insert(4, "promote,1001,bob@example.com,,,,")
    rows.append(f"grant,1001,{BOB},,,,{ALICE}")
    job_id = job_id_of(uploads.upload("1001", "ten.csv", csv(*rows)))

    running = uploads.browser.get(f"/accounts/1001/jobs/{job_id}")
    assert running.status_code == 200
    assert "Applying ten.csv" in running.text and '<meta http-equiv="refresh" content="2">' in running.text
    assert re.search(r'<progress id="done" max="100" value="10.0">', running.text)  # the invalid row is final
    assert "<td>queued</td><td>9</td>" in running.text and "<td>invalid</td><td>1</td>" in running.text
    assert job_table(running.text) == []  # the rows are listed once none is queued

    uploads.apply_job(job_id)
    waiting = uploads.browser.get(f"/accounts/1001/jobs/{job_id}")
    assert "Waiting for invitees: ten.csv" in waiting.text and "Done" not in waiting.text
    assert '<meta http-equiv="refresh"' not in waiting.text
    assert 'value="100.0"' in waiting.text and "<td>pending</td><td>8</td>" in waiting.text
    assert "8 grants wait for their invitees to register." in waiting.text
    assert "<td>applied</td><td>1</td>" in waiting.text
    table = job_table(waiting.text)
    assert [row[:4] for row in table] == [
        *[(str(line), "grant_admin", f"new{n}@example.com", "pending") for line, n in zip(range(2, 6), range(4))],
        ("6", "—", "—", "invalid"),
        *[(str(line), "grant_admin", f"new{n}@example.com", "pending") for line, n in zip(range(7, 11), range(4, 8))],
        ("11", "grant_admin", BOB, "applied")]
    assert re.fullmatch(r'waiting for new0@example\.com to register \(invite valid until <time datetime="[0-9T:-]+Z">'
                        r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d UTC</time>\)", table[0][4]), table[0]
    assert table[4][4] == ("action: is 'promote'; expected one of create_account, add_user, grant, revoke, "
                           "add_member, remove_member, disable_user, enable_user, remove_user")
    assert table[9][4] == f"{BOB} is now an administrator of account 1001."
    assert BOB in queries.admins(uploads.engine, "1001")
    with uploads.engine.connect() as conn:
        made = conn.execute(select(commands.c.actor, commands.c.source).where(commands.c.job_id == job_id)).all()
    assert {(row.actor, row.source) for row in made} == {(ALICE, "web")}

    with uploads.engine.begin() as conn:  # nobody registered in time: the grants end, and so does the wait
        assert expire_invites(conn, datetime.now(timezone.utc) + timedelta(days=8)) == 8
    done = uploads.browser.get(f"/accounts/1001/jobs/{job_id}").text
    assert "Done: ten.csv" in done and "Waiting" not in done and "<td>expired</td><td>8</td>" in done
    assert [row[3] for row in job_table(done)].count("expired") == 8


def test_the_rows_of_a_job_come_by_outcome_and_a_page_at_a_time(uploads, monkeypatch):
    uploads.sign_in(ALICE, OWN)
    rows = [f"grant,1001,new{n}@example.com,,,," for n in range(6)]
    rows.insert(2, "promote,1001,bob@example.com,,,,")
    rows.append(f"grant,1001,{BOB},,,,{ALICE}")
    job_id = job_id_of(uploads.upload("1001", "eight.csv", csv(*rows)))
    uploads.apply_job(job_id)
    monkeypatch.setattr(job_rows, "PAGE_SIZE", 3)
    base = f"/accounts/1001/jobs/{job_id}"

    first = uploads.browser.get(base).text
    second = uploads.browser.get(_link(first, "Next 3 rows →")).text
    third = uploads.browser.get(_link(second, "Next 3 rows →")).text
    pending = uploads.browser.get(base, params={"outcome": "pending"}).text
    invalid = uploads.browser.get(base, params={"outcome": "invalid"}).text

    assert [[row[0] for row in job_table(page)] for page in (first, second, third)] == [
        ["2", "3", "4"], ["5", "6", "7"], ["8", "9"]]
    assert "Next 3 rows" not in third and _link(third, "First rows") == base + "?"
    assert [row[0] for row in job_table(pending)] == ["2", "3", "5"] and "Rows pending" in pending
    assert _link(pending, "Next 3 rows →") == f"{base}?outcome=pending&after=5"
    assert [row[:4] for row in job_table(invalid)] == [("4", "—", "—", "invalid")]
    assert _link(first, "pending (6)") == f"{base}?outcome=pending" and "applied (1)" in first
    beyond = uploads.browser.get(base, params={"after": "99"}).text
    assert job_table(beyond) == [] and "No row in this job after line 99." in beyond


@pytest.mark.parametrize("query", ["outcome=done", "after=x", "after=-1", "after=1e3"])
def test_a_rows_link_naming_no_outcome_or_line_is_refused_clearly(uploads, query):
    uploads.sign_in(ALICE, OWN)
    job_id = job_id_of(uploads.upload("1001", "one.csv", csv(f"grant,1001,{BOB},,,,")))

    refused = uploads.browser.get(f"/accounts/1001/jobs/{job_id}?{query}")

    assert refused.status_code == 400 and "an outcome is one of queued, applied, pending" in refused.text


def _link(html: str, text: str) -> str:
    return unescape(re.search(rf'<a href="([^"]+)"[^>]*>{re.escape(text)}</a>', html).group(1))


def test_a_row_by_someone_else_or_for_another_account_is_invalid_and_a_user_made_is_activated_by_mail(uploads):
    uploads.sign_in(ALICE, OWN)
    job_id = job_id_of(uploads.upload("1001", "mixed.csv", csv(
        f"grant,1001,{BOB},,,,{BOB}",
        "grant,2002,new@example.com,,,,",
        "add_user,1001,carol@example.com,Carol,Cole,,",
        f"grant,1001,{BOB},,,,ALICE@example.com")))
    uploads.apply_job(job_id)
    errors = {entry["line"]: entry for entry in job_reports.errors(uploads.engine, job_id)}
    assert set(errors) == {2, 3}
    assert errors[2]["field"] == "by" and errors[2]["reason"] == (
        f"is '{BOB}', but every row of an upload acts as the person who uploaded it, {ALICE}")
    assert errors[3]["field"] == "account" and errors[3]["reason"] == (
        "is '2002', but this upload is for account 1001; a row for another account is not applied")
    assert [queries.command_status(uploads.engine, _command_of(uploads, job_id, line))["status"]
            for line in (4, 5)] == ["applied", "applied"]
    with uploads.engine.connect() as conn:  # no password was made: Carol sets hers through the mailed link
        carol = conn.execute(select(users.c.password_hash, users.c.first_name)
                             .where(users.c.email_key == "carol@example.com")).one()
        [invite] = conn.execute(select(invites.c.id, invites.c.invited_by, invites.c.account)
                                .where(invites.c.email_key == "carol@example.com")).all()
        mailed = conn.execute(select(mail_outbox.c.invite_id).where(mail_outbox.c.invite_id == invite.id)).all()
    assert tuple(carol) == (None, "Carol") and (invite.invited_by, invite.account) == (ALICE, "1001")
    assert len(mailed) == 1
    page = uploads.browser.get(f"/accounts/1001/jobs/{job_id}").text
    assert "Done: mixed.csv" in page
    assert "this upload is for account 1001" in page and "every row of an upload acts as" in page


def _command_of(uploads, job_id: UUID, line: int) -> UUID:
    with uploads.engine.connect() as conn:
        return conn.execute(select(commands.c.id).where(commands.c.job_id == job_id,
                                                         commands.c.job_line == line)).scalar_one()


def test_only_administrators_of_the_account_see_the_upload_and_the_job(uploads):
    uploads.sign_in(ALICE, OWN)
    job_id = job_id_of(uploads.upload("1001", "one.csv", csv(f"grant,1001,{BOB},,,,")))
    assert uploads.browser.get(f"/accounts/1001/jobs/{job_id}").status_code == 200
    assert uploads.browser.get(f"/accounts/1001/jobs/{UUID(int=1)}").status_code == 404
    uploads.sign_in(BOB, OWN)
    assert uploads.browser.get("/accounts/1001/onboard").status_code == 404
    assert uploads.browser.get(f"/accounts/1001/jobs/{job_id}").status_code == 404
    refused = uploads.browser.post("/accounts/1001/onboard", files={"file": ("x.csv", b"x", "text/csv")})
    assert refused.status_code == 404


def test_a_job_of_another_account_is_not_found_there(uploads):
    uploads.sign_in(ALICE, OWN)
    job_id = job_id_of(uploads.upload("1001", "one.csv", csv(f"grant,1001,{BOB},,,,")))
    grant_alice_2002(uploads)
    assert uploads.browser.get("/accounts/2002/onboard").status_code == 200
    assert uploads.browser.get(f"/accounts/2002/jobs/{job_id}").status_code == 404


def grant_alice_2002(uploads) -> None:
    """Account 2002, administered by Alice as well (created by support with Carol, who grants Alice)."""
    create = new_command("create_account", actor="support", source="cli", account="2002", name="Beta",
                         admin_email="carol@example.com", first_name="Carol", last_name="Cole",
                         password_hash=PASSWORD_HASH)
    grant = new_command("grant_admin", actor="carol@example.com", source="cli", account="2002", email=ALICE)
    mailbox_proven(uploads.engine, ALICE)  # else the grant would wait for her to register from an invite
    for cmd in (create, grant):
        with uploads.factory() as uow:
            uow.log.record_submitted([cmd], datetime.now(timezone.utc))
            uow.commit()
        uploads.apply_journalled(cmd.id)


def test_a_file_over_the_cap_is_refused_with_a_page_saying_so(uploads):
    uploads.sign_in(ALICE, OWN)
    over = csv(*[f"grant,1001,user{n}@example.com,,,," for n in range(400)])  # ~12 KB, the body within allowance
    assert CAP < len(over) < CAP + 64 * 1024
    refused = uploads.upload("1001", "big.csv", over)
    assert refused.status_code == 413 and "larger than 0.0078125 MB" in refused.text
    assert "Split it into smaller files" in refused.text and refused.headers["connection"] == "close"
    announced = uploads.upload("1001", "huge.csv", over * 20)  # refused on its announced size, before reading
    assert announced.status_code == 413 and "the most an upload may be" in announced.text
    assert job_reports.recent(uploads.engine, 5, SYSTEM_CLOCK.now()) == []
    other = uploads.browser.post("/accounts/1001/admins", data={"email": "x" * (1024 * 1024 + 1)})
    assert other.status_code == 413
    assert other.json() == {"errors": [{"code": "body.too_large", "message": "body: at most 1048576 bytes"}]}


def test_the_upload_route_takes_a_body_larger_than_the_rest_of_the_app(database_url, tmp_path):
    settings, engine, factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    assert choose_password(engine, ALICE, TEMPORARY, OWN, datetime.now(timezone.utc)).ok
    with TestClient(create_http_app(settings, pages=True, token="")) as browser:
        uploads = Uploads(browser, engine, factory)
        uploads.sign_in(ALICE, OWN)
        padded = "".join('{"action": "grant", "account": "1001", "email": "new%d@example.com"%s}\n'
                         % (n, " " * 60_000) for n in range(25)).encode()
        assert len(padded) > settings.api_max_body_bytes
        job_id = job_id_of(uploads.upload("1001", "padded.jsonl", padded))
        assert job_reports.report(engine, job_id, SYSTEM_CLOCK.now())["counts"]["queued"] == 25
    engine.dispose()


def test_an_upload_without_its_csrf_token_is_refused(uploads):
    uploads.sign_in(ALICE, OWN)
    refused = uploads.upload("1001", "one.csv", csv(f"grant,1001,{BOB},,,,"), csrf=False)
    assert refused.status_code == 403 and "security token" in refused.text
    assert job_reports.recent(uploads.engine, 5, SYSTEM_CLOCK.now()) == []


@pytest.mark.parametrize("name, content, expected", [
    ("rows.txt", b"action,account\n", "is neither a CSV nor a JSONL file"),
    ("rows.csv", b"action,account,colour\n", "colour"),
])
def test_a_file_that_cannot_be_onboarded_is_named_on_the_form(uploads, name, content, expected):
    uploads.sign_in(ALICE, OWN)
    refused = uploads.upload("1001", name, content)
    assert refused.status_code == 422 and expected in refused.text and 'type="file"' in refused.text


def test_a_job_read_in_french_counts_its_waiting_grants_in_french(uploads):
    uploads.sign_in(ALICE, OWN)
    uploads.browser.cookies.set("envadmin_language", "fr")
    too_big = uploads.upload("1001", "big.csv", b"x" * (CAP + 1))
    assert too_big.status_code == 413 and "Le fichier dépasse 0,0078125 Mo" in too_big.text
    one = job_id_of(uploads.upload("1001", "one.csv", csv("grant,1001,new@example.com,,,,")))
    uploads.apply_job(one)
    page = uploads.browser.get(f"/accounts/1001/jobs/{one}").text
    assert "En attente des invités : one.csv" in page and "1 attribution attend que son invité s’inscrive." in page
    assert "<td>en attente</td><td>1</td>" in page and "1 ligne. Lancé par alice@example.com." in page
    assert re.search(r"attend l’inscription de new@example\.com \(invitation valable jusqu’au <time [^>]+>[^<]+ UTC"
                     r"</time>\)", page)


def test_a_job_read_in_french_gives_each_rows_reason_in_french(uploads):
    uploads.sign_in(ALICE, OWN)
    uploads.browser.cookies.set("envadmin_language", "fr")
    rows = csv("grant,1001,not-an-email,,,,", f"revoke,1001,{ALICE},,,,", "promote,1001,bob@example.com,,,,")
    job_id = job_id_of(uploads.upload("1001", "bad.csv", rows))
    uploads.apply_job(job_id)

    table = job_table(uploads.browser.get(f"/accounts/1001/jobs/{job_id}").text)

    assert table[0][0] == "2" and table[0][4].startswith("email : adresse e-mail 'not-an-email' invalide : "), table
    assert table[1][3] == "refusée" and table[1][4].startswith(f"{ALICE} est le dernier administrateur du compte 1001")
    assert table[2][4].startswith("action : vaut 'promote' ; l’une des actions create_account, add_user, "), table
    uploads.browser.cookies.set("envadmin_language", "en")
    english = job_table(uploads.browser.get(f"/accounts/1001/jobs/{job_id}").text)
    assert english[0][4].startswith("email: invalid email 'not-an-email': "), english
    invalid = next(job_reports.errors(uploads.engine, job_id))
    assert invalid["reason"].code == "email.invalid"


def test_a_file_refused_as_a_whole_is_refused_in_french_and_in_english(uploads):
    uploads.sign_in(ALICE, OWN)
    uploads.browser.cookies.set("envadmin_language", "fr")
    french = uploads.upload("1001", "bad.csv", b"action,emial\n")
    assert french.status_code == 422
    assert "ligne 1 (en-tête) : colonne(s) inconnue(s) &#39;emial&#39; ; colonne(s) obligatoire(s) manquante(s) " \
           "account (colonnes connues : " in french.text
    empty = uploads.upload("1001", "empty.csv", b"\n")
    assert "le fichier est vide : une ligne d’en-tête nommant les colonnes est attendue" in empty.text
    uploads.browser.cookies.set("envadmin_language", "en")
    english = uploads.upload("1001", "bad.csv", b"action,emial\n")
    assert "line 1 (header): unknown column(s) &#39;emial&#39;; missing required column(s) account (known columns: " \
           in english.text
