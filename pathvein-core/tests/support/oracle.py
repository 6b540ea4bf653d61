"""Differential oracle for pathvein-core: PyPI pathvein 0.9.0, driven by JSON requests.

Reads a JSON list of requests on stdin and writes a JSON list of answers on stdout. Paths and
names travel as hex of their bytes (os.fsencode), so names that are not UTF-8 survive.
"""
import fnmatch
import io
import json
import logging
import os
import sys
from pathlib import Path

import pathvein
import pathvein._path_utils as pu
from pathvein import FileStructurePattern, scan, assess
from pathvein.lib import shuffle_to

logging.disable(logging.CRITICAL)


def unhex(h):
    return os.fsdecode(bytes.fromhex(h))


def tohex(s):
    return os.fsencode(str(s)).hex()


def patterns(req):
    return [FileStructurePattern.from_json(p) for p in req["patterns"]]


def rel(path, root):
    return tohex(os.path.relpath(path, root))


def handle(req):
    op = req["op"]
    pu.iterdir.cache_clear()  # pathvein's listing cache is global and never invalidated
    if op == "version":
        from importlib.metadata import version
        return version("pathvein")
    if op == "roundtrip":
        return FileStructurePattern.from_json(req["json"]).to_json()
    if op == "equal":
        return FileStructurePattern.from_json(req["a"]) == FileStructurePattern.from_json(req["b"])
    if op == "fnmatch":
        return [fnmatch.fnmatchcase(unhex(n), p) for n, p in req["cases"]]
    if op == "scan":
        root = Path(unhex(req["root"])).resolve()
        pats = patterns(req)
        res = scan(root, pats)
        return sorted({(rel(r.source, root), i) for r in res for i, p in enumerate(pats) if p == r.pattern})
    if op == "assess":
        pats = patterns(req)
        out = set()
        for f in req["files"]:
            for r in assess(Path(unhex(f)), pats):
                out |= {(f, tohex(r.source), i) for i, p in enumerate(pats) if p == r.pattern}
        return sorted(out)
    if op == "shuffle_to":
        root = Path(unhex(req["root"])).resolve()
        pats = patterns(req)
        res = scan(root, pats)
        results = shuffle_to(res, Path(unhex(req["dest"])), overwrite=req["overwrite"], dryrun=req["dryrun"])
        return sorted((rel(r.source, root), tohex(r.destination)) for r in results)
    if op == "scan_memory":
        import fsspec
        from upath import UPath
        fs = fsspec.filesystem("memory")
        base = "/" + req["root"]
        if fs.exists(base):
            fs.rm(base, recursive=True)
        fs.mkdir(base)
        for d in req["dirs"]:
            fs.mkdir(f"{base}/{d}")
        for f in req["files"]:
            fs.pipe(f"{base}/{f}", b"")
        pats = patterns(req)
        res = scan(UPath(f"memory://{base}"), pats)
        prefix = f"memory://{base}"
        return sorted({(str(r.source)[len(prefix):].lstrip("/"), i) for r in res for i, p in enumerate(pats) if p == r.pattern})
    if op == "scan_s3":
        # pathvein[s3]: UPath over s3fs against a local moto server; a fresh s3fs instance (and
        # listing cache) per scan, as a new process would have.
        from upath import UPath
        base = f"s3://{req['bucket']}/{req['prefix']}"
        root = UPath(base, key="test", secret="test", endpoint_url=req["endpoint"],
                     client_kwargs={"region_name": "us-east-1"},
                     skip_instance_cache=True)
        pats = patterns(req)
        res = scan(root, pats)
        return sorted({(str(r.source)[len(base):].lstrip("/"), i) for r in res for i, p in enumerate(pats) if p == r.pattern})
    raise ValueError(f"unknown op {op}")


def main():
    requests = json.load(sys.stdin)
    answers = []
    for req in requests:
        try:
            answers.append({"ok": handle(req)})
        except Exception as e:  # reported to the Rust side, which decides
            answers.append({"err": f"{type(e).__name__}: {e}"})
    json.dump(answers, sys.stdout)


main()
