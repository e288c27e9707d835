"""`envadmin demo` tells the whole story on the embedded default, and again on a second run; in the language of
LANG."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from store import credentials
from store.engine import make_engine


def test_the_demo_ends_as_expected_twice_in_the_same_data_dir(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ENVADMIN_") and k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    for run, lang in ((1, "fr_FR.UTF-8"), (2, "C.UTF-8")):  # the story in the language of LANG
        result = subprocess.run([str(Path(sys.executable).with_name("envadmin")), "demo"], cwd=tmp_path,
                                env={**env, "LANG": lang}, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, f"run {run}:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
        if run == 1:
            assert "démo terminée : chaque étape s’est terminée comme attendu" in result.stdout, result.stdout[-3000:]
            assert "✓ appliquée, comme attendu" in result.stdout and "mot de passe temporaire de alice." in result.stdout
            assert "1 attribution attend que son invité s’inscrive" in result.stdout
        else:
            assert "every step ended as expected" in result.stdout
        assert "\\x0a" not in result.stdout  # the story's own blank lines are not escaped as stored data is
        assert "Traceback" not in result.stderr
    # per run: carol's invite; and of the job, erin's invite and the activation mails of dan and fay
    outbox = tmp_path / "var" / "outbox"
    mails = [message_from_bytes(path.read_bytes(), policy=default) for path in outbox.glob("*.eml")]
    assert len(mails) == 8
    assert sorted(mail["To"].split(".")[0] for mail in mails if mail["Subject"].endswith("activate your account")) \
        == ["dan", "dan", "fay", "fay"]
    assert "registers in the web page" in result.stdout
    # Each new user's temporary password, named, once the command that created the user was applied.
    created = {"alice": "$ envadmin account create", "bob": "$ envadmin user add"}
    for name, step in created.items():
        shown = re.search(rf"temporary password of ({name}\.\d+@acme\.example) \(shown once\): (\S+)", result.stdout)
        assert shown, result.stdout[:3000]
        assert result.stdout.index(step) < result.stdout.index("applied, as expected", result.stdout.index(step)) \
            < shown.start()
    assert "temporary password of the new users" not in result.stdout
    assert "You are now an administrator of Acme Demo" in result.stdout
    assert "page: Set your password" in result.stdout and "activated their account and signed in" in result.stdout
    signed_in = re.search(r"sign in as (\S+) with the password she chose: (\S+)", result.stdout)
    assert signed_in, result.stdout[-1500:]  # the console's next step: the demo's administrator and her password
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'envadmin.db'}")
    email, password = signed_in.groups()
    assert credentials.login(engine, email, password, datetime.now(timezone.utc), client="test").ok
    engine.dispose()
    # The invitee registered, and dan activated, over HTTP through the form; the access log never holds a token.
    web_log = (tmp_path / "var" / "demo-web.log").read_text()
    assert web_log.count('"POST /register/… HTTP/1.1" 303') == 4
    assert web_log.count('"POST /login HTTP/1.1" 303') == 2
    tokens = re.findall(r"/register/([\w-]+)", "".join(p.read_text(errors="replace")
                                                        for p in (tmp_path / "var" / "outbox").glob("*.eml")))
    assert tokens and not any(token in web_log for token in tokens)
