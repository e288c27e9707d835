"""`envadmin ARGS` as the e2e tests run it: this small program (started with `python -S`, the standard library only)
hands its argv, environment, working folder and its stdin, stdout and stderr to the fork server of cli_forks.py,
which runs the CLI in a process forked for it, and exits as that process exited.

Usage: python -S cli_launcher.py SOCKET ARGS...
"""
import json
import os
import signal
import socket
import struct
import sys


def main() -> None:
    path, args = sys.argv[1], sys.argv[2:]
    request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.connect(path)
        socket.send_fds(server, [struct.pack("!I", len(request))], [0, 1, 2])
        server.sendall(request)
        answer = b""
        while len(answer) < 4:
            chunk = server.recv(4 - len(answer))
            if not chunk:
                sys.stderr.write("cli_launcher: the fork server closed the connection without an exit code\n")
                sys.exit(70)
            answer += chunk
    code = struct.unpack("!i", answer)[0]
    if code < 0:  # the CLI was killed by a signal: so is this process, and its parent sees the same returncode
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


main()
