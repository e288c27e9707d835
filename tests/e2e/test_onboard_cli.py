"""envadmin onboard and envadmin job as users run them, against a running worker."""
from __future__ import annotations

from dataclasses import replace

from store.reads import queries

from .cli_runs import describe, one_json_object

HEADER = "action,account,name,email,first_name,last_name,group,by\n"


def test_onboard_wait_json_prints_the_job_object_and_job_commands_agree(e2e, tmp_path):
    e2e.open_account("3001", "olga@example.com")
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "add_user,3001,,pia@example.com,Pia,P,,olga@example.com\n"
                             "grant,3001,,pia@example.com,,,,olga@example.com\n"
                             "grant,3001,,quinn@example.com,,,,\n"
                             "grant,3001,,nope,,,,\n")
    job = e2e.cli_json("onboard", str(path), "--by", "olga@example.com", "--passwords", str(tmp_path / "pw.csv"),
                       "--wait")
    assert job["state"] == "waiting"  # quinn's grant waits for quinn to register: the job is not done
    assert {k: v for k, v in job["counts"].items() if v} == {"applied": 2, "pending": 1, "invalid": 1}
    shown = e2e.cli_json("job", "show", job["id"])
    assert (shown["id"], shown["state"], shown["counts"]) == (job["id"], "waiting", job["counts"])
    human_show = e2e.cli("job", "show", job["id"])
    assert f"job {job['id']}: waiting, 100.0% of 4 rows done" in human_show.stdout, describe(human_show)
    assert f"1 grant waits for its invitee to register; who: envadmin job rows {job['id']} --outcome pending" \
        in human_show.stdout, describe(human_show)
    rows = e2e.cli_json("job", "rows", job["id"])
    assert (rows["id"], rows["state"]) == (job["id"], "waiting")
    assert [(r["line"], r["outcome"], r["action"], r["awaiting"]) for r in rows["rows"]] == [
        (2, "applied", "add_user", None), (3, "applied", "grant_admin", None),
        (4, "pending", "grant_admin", "quinn@example.com"), (5, "invalid", None, None)]
    awaited = e2e.cli("job", "rows", job["id"], "--outcome", "pending")
    assert awaited.returncode == 0 and awaited.stdout.startswith(
        "line 4 pending: grant_admin quinn@example.com: waiting for quinn@example.com to register (invite valid "
        "until "), describe(awaited)
    bad = e2e.cli("job", "rows", job["id"], "--outcome", "done")
    assert bad.returncode == 2 and "--outcome: 'done' is not an outcome; expected one of queued" in bad.stderr, \
        describe(bad)
    errors = e2e.cli_json("job", "errors", job["id"])["errors"]
    assert [(e["line"], e["status"], e["field"]) for e in errors] == [(5, "invalid", "email")]
    listed = e2e.cli_json("job", "list")["jobs"]
    assert job["id"] in [entry["id"] for entry in listed]
    human = e2e.cli("job", "errors", job["id"])
    assert "line 5 invalid: email: invalid email 'nope'" in human.stdout, describe(human)
    again = e2e.cli("onboard", str(path), "--by", "olga@example.com", "--passwords", str(tmp_path / "pw.csv"))
    assert again.returncode == 0 and "already submitted" in again.stderr, describe(again)
    assert job["id"] in again.stdout


def test_onboard_refuses_a_bad_file_before_submitting_anything(e2e, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("action,account,mail\ngrant,1,a@example.com\n")
    for path, words in ((empty, "the file is empty"), (unknown, "unknown column(s) 'mail'"),
                        (tmp_path / "missing.csv", "no such file"), (tmp_path / "people.xlsx", "--format")):
        if path.suffix == ".xlsx":
            path.write_text("x")
        result = e2e.cli("onboard", str(path), "--by", "support")
        assert result.returncode == 2, describe(result)
        assert words in result.stderr and "Traceback" not in result.stderr, describe(result)
    files = [job["file"] for job in one_json_object(e2e.cli("job", "list", "--json"), 0)["jobs"]]
    assert not {"empty.csv", "unknown.csv", "people.xlsx"} & set(files)


def test_job_show_names_a_bad_or_unknown_id(e2e):
    bad = e2e.cli("job", "show", "not-a-uuid")
    assert bad.returncode == 2 and "not a job id" in bad.stderr, describe(bad)
    missing = e2e.cli("job", "show", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == 1 and "no job" in missing.stderr, describe(missing)


def test_onboard_names_a_bad_passwords_path_and_rows_act_as_by_unless_allowed(e2e, tmp_path):
    e2e.open_account("3002", "rita@example.com")
    path = tmp_path / "acting.csv"
    path.write_text(HEADER + "add_user,3002,,sam@example.com,Sam,S,,rita@example.com\n"
                             "grant,3002,,sam@example.com,,,,support\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    refused = e2e.cli("onboard", str(path), "--by", "rita@example.com", "--passwords", str(folder))
    assert refused.returncode == 2, describe(refused)
    assert f"--passwords {folder}: is a folder" in refused.stderr and "acting.csv" not in refused.stderr, \
        describe(refused)
    passwords = str(tmp_path / "pw.csv")
    job = e2e.cli_json("onboard", str(path), "--by", "rita@example.com", "--passwords", passwords, "--wait")
    assert {k: v for k, v in job["counts"].items() if v} == {"applied": 1, "invalid": 1}
    human = e2e.cli("job", "errors", job["id"])
    assert "line 3 invalid: by: is 'support', but the job runs --by rita@example.com" in human.stdout, describe(human)
    allowed = e2e.cli_json("onboard", str(path), "--by", "rita@example.com", "--allow-row-actors",
                           "--passwords", passwords, "--wait")
    assert allowed["id"] != job["id"] and allowed["counts"]["invalid"] == 0
    errors = e2e.cli_json("job", "errors", allowed["id"])["errors"]
    assert 3 not in [error["line"] for error in errors]
    assert "sam@example.com" in queries.admins(e2e.client.engine, "3002")


def test_job_errors_tell_each_rows_reason_in_french_when_lang_is_french(e2e, tmp_path):
    e2e.open_account("3003", "olga@example.com")
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "grant,3003,,nope,,,,\npromote,3003,,pia@example.com,,,,\n")
    job = e2e.cli_json("onboard", str(path), "--by", "olga@example.com", "--wait")
    in_french = replace(e2e, env={**e2e.env, "LANG": "fr_FR.UTF-8", "LC_ALL": "", "LANGUAGE": ""})
    french = in_french.cli("job", "errors", job["id"])
    assert french.returncode == 0, describe(french)
    assert "adresse e-mail 'nope' invalide : " in french.stdout, describe(french)
    assert "vaut 'promote' ; l’une des actions create_account" in french.stdout, describe(french)
    english = e2e.cli_json("job", "errors", job["id"])["errors"]
    assert english[0]["reason"].startswith("invalid email 'nope': ")
