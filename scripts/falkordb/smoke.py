"""Starts the patched FalkorDB server once and runs one query: the end check of falkordb.sh.

Usage: python3 smoke.py ENV_FILE EXPECTED_VERSION
ENV_FILE is the falkordb.env that falkordb.sh wrote (export NAME='value' lines). The server runs
on a free loopback port in a temporary directory and is shut down afterwards.
"""

import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time


def read_env(path: str) -> dict:
    env = {}
    for line in open(path):
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            env[name] = value
    return env


def command(*args: str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def roundtrip(port: int, request: bytes, until: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        reply = b""
        while until not in reply:
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply


def main() -> int:
    env_file, version = sys.argv[1], sys.argv[2]
    cfg = read_env(env_file)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child_env = dict(os.environ)
    child_env["LD_LIBRARY_PATH"] = cfg["FALKORDB_LD_LIBRARY_PATH"]
    child_env["LD_PRELOAD"] = cfg["FALKORDB_LD_PRELOAD"]
    with tempfile.TemporaryDirectory(prefix="falkordb-smoke-") as d:
        log = os.path.join(d, "server.log")
        args = [cfg["FALKORDB_SERVER"], "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                "--save", "", "--appendonly", "no", "--loadmodule", cfg["FALKORDB_MODULE"]]
        with open(log, "wb") as out:
            server = subprocess.Popen(args, env=child_env, stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"the server exited ({server.returncode})")
                try:
                    if roundtrip(port, b"PING\r\n", b"\r\n").startswith(b"+PONG"):
                        break
                except OSError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError("the server did not answer PING within 20 s")
                time.sleep(0.05)
            reply = roundtrip(port, command("GRAPH.QUERY", "smoke", "RETURN 40 + 2 AS x", "--compact"),
                              b"milliseconds\r\n")
            if b":42\r\n" not in reply:
                raise RuntimeError(f"GRAPH.QUERY replied {reply!r}")
            text = open(log, errors="replace").read()
            if f"FalkorDB version {version}" not in text:
                raise RuntimeError(f"the log does not say 'FalkorDB version {version}'")
        except RuntimeError as err:
            print(f"error: FalkorDB smoke test failed: {err}", file=sys.stderr)
            print("server log:\n" + open(log, errors="replace").read()[-3000:], file=sys.stderr)
            return 1
        finally:
            server.kill()
            server.wait()
    print(f"FalkorDB {version} answered GRAPH.QUERY on a test server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
