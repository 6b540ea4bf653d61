# pathvein 0.9.0 + UPath scan of the research note's 1,900-object bench tree in a fresh moto server, timed
# in-process. Usage: .venv/bin/python pathvein-core/scripts/s3_bench_pathvein.py PORT (a free port).
import subprocess, sys, time, json, os, socket
from concurrent.futures import ThreadPoolExecutor
import boto3
port = int(sys.argv[1])
srv = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
try:
    for _ in range(200):
        try: socket.create_connection(("127.0.0.1", port)).close(); break
        except OSError: time.sleep(0.1)
    ep = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=ep, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    s3.create_bucket(Bucket="pv-test")
    keys = []
    for g in range(10):
        for kind in ("exp", "run"):
            for i in range(10):
                leaf = f"bench/g{g:02}/{kind}_{i:03}"
                names = ["meta.json"] + (["data.csv"] if kind == "exp" else []) + [f"part_{p}.txt" for p in range(3)] + [f"raw/r{r}.parquet" for r in range(5)]
                keys += [f"{leaf}/{n}" for n in names]
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda k: s3.put_object(Bucket="pv-test", Key=k, Body=k.encode()), keys))
    from upath import UPath
    from pathvein import FileStructurePattern, scan
    import pathvein._path_utils as pu
    raw = FileStructurePattern(directory_name="raw", files=["*.parquet"])
    pat = FileStructurePattern(directory_name="exp_*", files=["*.csv"], optional_files=["meta.json"], directories=[raw])
    times = []
    for _ in range(3):
        pu.iterdir.cache_clear()
        root = UPath("s3://pv-test/bench", key="test", secret="test", endpoint_url=ep, client_kwargs={"region_name": "us-east-1"}, skip_instance_cache=True)
        t = time.perf_counter(); res = scan(root, [pat]); times.append(time.perf_counter() - t)
    print(len(keys), "objects;", len(res), "matches; pathvein scan seconds:", [round(x, 2) for x in times])
finally:
    srv.kill()
