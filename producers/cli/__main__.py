"""`python -m producers.cli`: the envadmin command, for processes that start another one."""
from producers.cli.main import run

run()
