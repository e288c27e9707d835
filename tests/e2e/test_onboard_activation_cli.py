"""envadmin onboard --activation mail against a running worker: one activation mail per created user, delivered to
the outbox; a re-run mails nobody again; a file creating users with neither --activation nor --passwords, or with
both, is refused before any job exists. Then the person activates with the mailed link and signs in."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from store.tables import mail_outbox

from ..support.outbox import read_mails
from ..support.waiting import wait_until
from .cli_runs import describe, one_json_object

HEADER = "action,account,name,email,first_name,last_name,group,by\n"
UMA = "uma@example.com"


def delivered(e2e, account: str, expect: int) -> list:
    """The mails of `account` in the file outbox, once there are `expect` of them at least."""
    def enough() -> list | None:
        mails = [mail for mail in read_mails(e2e.settings) if re.search(rf"\baccount {account}\b", mail["Subject"])]
        return mails if len(mails) >= expect else None

    return wait_until(enough, f"{expect} mails of account {account}")


def outbox_rows(e2e, *emails: str) -> list[str]:
    with e2e.client.engine.connect() as conn:
        return sorted(conn.execute(select(mail_outbox.c.to_email).where(mail_outbox.c.to_email.in_(emails)))
                      .scalars())


def mails_queued(e2e) -> int:
    """Every mail the outbox holds, whatever its state: a mail is queued there before it is sent."""
    with e2e.client.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(mail_outbox)).scalar_one()


def test_onboard_activation_mail_mails_each_created_user_once_and_a_rerun_mails_nobody(e2e, tmp_path):
    e2e.open_account("3301", UMA)
    vic, wes = "vic@example.com", "wes@example.com"
    path = tmp_path / "people.csv"
    path.write_text(HEADER + f"add_user,3301,,{vic},Vic,V,,\n"
                             f"add_user,3301,,{wes},Wes,W,,\n"
                             f"grant,3301,,{vic},,,,\n"
                             "grant,3301,,xan@example.com,,,,\n")  # no user: an invite, not an activation
    job = e2e.cli_json("onboard", str(path), "--by", UMA, "--activation", "mail", "--wait")
    assert job["state"] == "waiting"  # xan's grant waits for xan to register
    assert {k: v for k, v in job["counts"].items() if v} == {"applied": 3, "pending": 1}
    mails = delivered(e2e, "3301", expect=3)
    activations = [mail for mail in mails if mail["Subject"].endswith(
        "you were added to account 3301: activate your account")]
    assert sorted(mail["To"] for mail in activations) == [vic, wes] and len(mails) == 3

    queued = mails_queued(e2e)
    again = e2e.cli("onboard", str(path), "--by", UMA, "--activation", "mail", "--wait")
    assert again.returncode == 0 and "already submitted" in again.stderr and job["id"] in again.stdout, \
        describe(again)
    assert mails_queued(e2e) == queued  # the re-run queued no mail, so none more can be delivered
    assert len(delivered(e2e, "3301", expect=3)) == 3
    assert outbox_rows(e2e, vic, wes) == [vic, wes]

    link = re.search(r"\S+/register/\S+", next(m for m in mails if m["To"] == vic).get_body(("plain",))
                     .get_content()).group(0)
    activated = e2e.cli_json("register", "--token-stdin", "--password-stdin",
                             input=f"{link}\nvics-own-passw0rd\n")
    assert activated["ok"] and activated["activated"] and not activated["created"]
    signed_in = e2e.cli("login", vic, "--password-stdin", input="vics-own-passw0rd\n")
    assert signed_in.returncode == 0, describe(signed_in)
    assert vic in e2e.cli_json("admin", "list", "3301")["admins"]
    invited = re.search(r"\S+/register/\S+", next(m for m in mails if m["To"] == "xan@example.com")
                        .get_body(("plain",)).get_content()).group(0)
    unnamed = e2e.cli("register", "--token-stdin", "--password-stdin", input=f"{invited}\nxans-own-passw0rd\n")
    assert unnamed.returncode == 1, describe(unnamed)
    assert "a first and a last name are required to register: give --first and --last" in unnamed.stderr


def test_onboard_refuses_users_with_neither_option_or_both_before_any_job_exists(e2e, tmp_path):
    e2e.open_account("3302", UMA)
    path = tmp_path / "creates.csv"
    path.write_text(HEADER + "grant,3302,,yan@example.com,,,,\n"
                             "add_user,3302,,zoe@example.com,Zoe,Z,,\n")
    neither = e2e.cli("onboard", str(path), "--by", UMA)
    assert neither.returncode == 2 and "Traceback" not in neither.stderr, describe(neither)
    assert "creates.csv line 3 creates a user (add_user): give --passwords FILE" in neither.stderr
    assert "or --activation mail" in neither.stderr, describe(neither)
    both = e2e.cli("onboard", str(path), "--by", UMA, "--activation", "mail", "--passwords", str(tmp_path / "pw.csv"))
    assert both.returncode == 2 and "--passwords and --activation are alternatives" in both.stderr, describe(both)
    unknown = e2e.cli("onboard", str(path), "--by", UMA, "--activation", "sms")
    assert unknown.returncode == 2 and "--activation: expected mail, not 'sms'" in unknown.stderr, describe(unknown)
    files = [job["file"] for job in one_json_object(e2e.cli("job", "list", "--json"), 0)["jobs"]]
    assert "creates.csv" not in files and not (tmp_path / "pw.csv").exists()
