"""What the ops dashboard says of a running task and of a dead letter, in the page's language: the task's name and a
mail's id stay the identifiers they are, the words around them are French to a French reader."""
from __future__ import annotations

import pytest

from domain.said import Said, in_reader, said
from languages import reader
from messaging.broker import APPLY_BATCH, RELAY, SEND_MAIL, SEND_MAILS
from producers.web import language
from producers.web.ops_words import task_words

MAIL = "6f1c2a4e-0b7d-4c55-9d1e-3f2a1b0c9d8e"


@pytest.mark.parametrize(("task", "english", "french_words"), [
    ({"task": APPLY_BATCH, "args": "<batch of 50 commands>", "running_seconds": 2.5},
     "apply_batch, batch of 50 commands, running for 2.50 s", "apply_batch, lot de 50 commandes, en cours depuis 2,50 s"),
    ({"task": APPLY_BATCH, "args": "<batch of 1 commands>", "running_seconds": 75},
     "apply_batch, batch of 1 command, running for 1 min 15 s", "apply_batch, lot de 1 commande, en cours depuis 1 min 15 s"),
    ({"task": SEND_MAILS, "args": "<3 mails>", "running_seconds": 12},
     "send_mails, 3 mails, running for 12 s", "send_mails, 3 e-mails, en cours depuis 12 s"),
    ({"task": SEND_MAIL, "args": f"<mail {MAIL}>", "running_seconds": None},
     f"send_mail, mail {MAIL}, running for -", f"send_mail, e-mail {MAIL}, en cours depuis -"),
    ({"task": RELAY, "args": "", "running_seconds": 0.25},
     "relay, running for 0.25 s", "relay, en cours depuis 0,25 s"),
    ({"task": "other.task", "args": "(1, 2)", "running_seconds": 3 * 3600},
     "other.task (1, 2), running for 3 h 00 min", "other.task (1, 2), en cours depuis 3 h 00 min"),
])
def test_a_running_task_reads_in_the_pages_language_with_its_name_as_it_is(task, english, french_words):
    assert task_words(task) == english
    token = language._language.set("fr")
    try:
        assert task_words(task) == french_words
    finally:
        language._language.reset(token)


@pytest.mark.parametrize(("reason", "english", "french_words"), [
    (said("dead.gave_up", count=5), "gave up after 5 attempts", "abandonnée après 5 tentatives"),
    (said("dead.invalid_command", detail="id: Input should be a valid UUID"),
     "invalid command: id: Input should be a valid UUID", "commande invalide : id: Input should be a valid UUID"),
    (said("dead.unexpected_error.last", error="KeyError", error_id="abc123", attempt=5, attempts=5),
     "unexpected error KeyError (error id abc123; details in the worker log) (attempt 5 of 5)",
     "erreur inattendue KeyError (identifiant d’erreur abc123 ; détails dans le journal du worker) (tentative 5 sur 5)"),
    (said("replay.no_command", reason=said("dead.unreadable_message", detail="not JSON")),
     "it holds no command to replay: unreadable message: not JSON",
     "elle ne contient aucune commande à rejouer : message illisible : not JSON"),
])
def test_a_dead_letters_reason_is_english_as_stored_and_french_to_a_french_reader(reason, english, french_words):
    assert reason == english and isinstance(reason, Said)
    assert in_reader(Said.from_stored(reason.stored()), reader("fr")) == french_words
