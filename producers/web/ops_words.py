"""What the ops dashboard says of a running task, in the page's language: its name as envadmin registers it (a
technical identifier, never translated), what it works on, and for how long: "apply_batch, lot de 50 commandes,
en cours depuis 2,50 s"."""
from __future__ import annotations

from producers.ops.view import task_arguments, task_name
from producers.web.language import gettext as _
from producers.web.language import ngettext
from producers.web.moments import duration


def task_words(task: dict) -> str:
    name, running = task_name(task), duration(task.get("running_seconds"))
    shape, parts = task_arguments(task)
    if shape == "batch":
        count = int(parts["count"])
        return ngettext("%(name)s, batch of %(count)s command, running for %(running)s",
                        "%(name)s, batch of %(count)s commands, running for %(running)s", count) % {
            "name": name, "count": count, "running": running}
    if shape == "mails":
        count = int(parts["count"])
        return ngettext("%(name)s, %(count)s mail, running for %(running)s",
                        "%(name)s, %(count)s mails, running for %(running)s", count) % {
            "name": name, "count": count, "running": running}
    if shape == "mail":
        return _("%(name)s, mail %(mail)s, running for %(running)s") % {
            "name": name, "mail": parts["mail"], "running": running}
    if shape == "none":
        return _("%(name)s, running for %(running)s") % {"name": name, "running": running}
    return _("%(name)s %(arguments)s, running for %(running)s") % {
        "name": name, "arguments": parts["text"], "running": running}
