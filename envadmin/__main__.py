from envadmin.producers.cli.main import run

run()
