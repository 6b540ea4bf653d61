"""Runs commands through redis-py with its response callbacks removed and prints each raw reply
as typed JSON, for tests/differential_redis_py.rs.

stdin: {"url": "...", "protocol": 2 or 3, "commands": [["<hex arg>", ...], ...]}
stdout: one JSON value per command, in a list.
"""
import json
import sys

import redis
from redis.exceptions import ResponseError


def typed(v):
    if isinstance(v, ResponseError):
        return {"error": str(v)}
    if v is None:
        return None
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"double": repr(v)}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, str):
        return {"bytes": v.encode().hex()}
    if isinstance(v, list):
        return {"array": [typed(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        items = [typed(x) for x in v]
        return {"set": sorted(items, key=lambda x: json.dumps(x, sort_keys=True))}
    if isinstance(v, dict):
        return {"map": [[typed(k), typed(x)] for k, x in v.items()]}
    return {"unknown": repr(v)}


def main():
    req = json.load(sys.stdin)
    r = redis.Redis.from_url(req["url"], protocol=req["protocol"])
    r.response_callbacks.clear()
    out = []
    for args in req["commands"]:
        args = [bytes.fromhex(a) for a in args]
        try:
            out.append(typed(r.execute_command(*args)))
        except ResponseError as e:
            out.append({"error": str(e)})
    json.dump(out, sys.stdout)


main()
