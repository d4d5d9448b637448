#!/usr/bin/env python3
"""PUT and GET throughput against a local SeaweedFS: lakectl vs boto3/s3transfer, same run.

Workloads: 1,000 x 64 KiB objects and 8 x 64 MiB objects, uploaded from and downloaded into a
local folder. lakectl runs through its real CLI (`lakectl fs upload/download --recursive`);
boto3 uses s3transfer's TransferManager (threads) with the same parallelism, multipart
threshold and part size (8 MiB, s3transfer's defaults). Each measurement is the best of
--repeat runs; the ratio is lakectl time / boto3 time (below 1.0: lakectl is faster), as in
BENCHMARKS.md.

Usage:
  python Benchmarks/peers/s3_bench.py [--lakectl .build-release/release/lakectl] [--parallelism 16]
Uses the server in LAKECTL_TEST_S3_* if set, otherwise starts one with scripts/s3-server.sh.
"""
import argparse
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


def make_files(folder, count, size, seed):
    folder.mkdir(parents=True, exist_ok=True)
    block = hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1)
    for i in range(count):
        data = bytearray(block[:size])
        data[:8] = i.to_bytes(8, "little")  # distinct contents
        (folder / f"f{i:05d}.bin").write_bytes(data)


def same_tree(a, b):
    fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if fa != fb:
        return False
    return all((a / p).read_bytes() == (b / p).read_bytes() for p in fa)


def best_of(repeat, fn):
    times = []
    for _ in range(repeat):
        times.append(fn())
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lakectl", default=str(ROOT / ".build-release" / "release" / "lakectl"))
    parser.add_argument("--parallelism", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(args.lakectl):
        sys.exit(f"{args.lakectl} not found: swift build -c release --scratch-path .build-release")

    work = pathlib.Path(tempfile.mkdtemp(prefix="lakectl-s3-bench-"))
    server_dir = None
    try:
        if not os.environ.get("LAKECTL_TEST_S3_ENDPOINT"):
            server_dir = work / "server"
            subprocess.run([str(ROOT / "scripts" / "s3-server.sh"), "start", str(server_dir)], check=True)
            for line in (server_dir / "env").read_text().splitlines():
                name, _, value = line.replace("export ", "").partition("=")
                os.environ[name] = value
        endpoint = os.environ["LAKECTL_TEST_S3_ENDPOINT"]
        key, secret = os.environ["LAKECTL_TEST_S3_ACCESS_KEY"], os.environ["LAKECTL_TEST_S3_SECRET_KEY"]
        region = os.environ.get("LAKECTL_TEST_S3_REGION", "us-east-1")
        bucket = os.environ.get("LAKECTL_TEST_S3_BUCKET", "lakectl-test")
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_REGION=region)
        env.pop("AWS_PROFILE", None)

        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret, region_name=region,
            config=Config(max_pool_connections=args.parallelism, s3={"addressing_style": "path"},
                          # Same work as lakectl: no extra CRC32 checksums (SigV4 payload hashing stays on).
                          request_checksum_calculation="when_required",
                          response_checksum_validation="when_required"))
        transfer_config = TransferConfig(max_concurrency=args.parallelism, multipart_threshold=8 * MIB,
                                         multipart_chunksize=8 * MIB, use_threads=True)

        workloads = [("1,000 x 64 KiB", 1000, 64 * 1024), ("8 x 64 MiB", 8, 64 * MIB)]
        rows = []
        for name, count, size in workloads:
            source = work / f"src-{count}"
            make_files(source, count, size, seed=count)
            total_mb = count * size / MIB

            def lakectl(*cli):
                start = time.perf_counter()
                subprocess.run([args.lakectl, *cli, "--parallelism", str(args.parallelism)], env=env, check=True,
                               stdout=subprocess.DEVNULL)
                return time.perf_counter() - start

            def lk_put():
                prefix = f"bench/lk-{uuid.uuid4().hex[:8]}/"
                lk_put.last = prefix
                return lakectl("fs", "upload", "--recursive", "--multipart-threshold", str(8 * MIB),
                               "--part-size", str(8 * MIB), str(source), f"s3://{bucket}/{prefix}")

            def lk_get():
                out = work / f"lk-out-{uuid.uuid4().hex[:8]}"
                elapsed = lakectl("fs", "download", "--recursive", f"s3://{bucket}/{lk_put.last}", str(out))
                lk_get.last = out
                return elapsed

            def bo_put():
                prefix = f"bench/bo-{uuid.uuid4().hex[:8]}/"
                bo_put.last = prefix
                start = time.perf_counter()
                with boto3.s3.transfer.create_transfer_manager(client, transfer_config) as manager:
                    futures = [manager.upload(str(p), bucket, prefix + p.name) for p in sorted(source.iterdir())]
                    for f in futures:
                        f.result()
                return time.perf_counter() - start

            def bo_get():
                out = work / f"bo-out-{uuid.uuid4().hex[:8]}"
                out.mkdir()
                start = time.perf_counter()
                keys = []
                for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=bo_put.last):
                    keys += [o["Key"] for o in page.get("Contents", [])]
                with boto3.s3.transfer.create_transfer_manager(client, transfer_config) as manager:
                    futures = [manager.download(bucket, k, str(out / k[len(bo_put.last):])) for k in keys]
                    for f in futures:
                        f.result()
                elapsed = time.perf_counter() - start
                bo_get.last = out
                return elapsed

            results = {}
            for label, fn in [("lakectl PUT", lk_put), ("boto3 PUT", bo_put), ("lakectl GET", lk_get), ("boto3 GET", bo_get)]:
                results[label] = best_of(args.repeat, fn)
                print(f"{name}: {label} {results[label]:.2f} s", file=sys.stderr)
            assert same_tree(source, lk_get.last), "lakectl download differs from the source"
            assert same_tree(source, bo_get.last), "boto3 download differs from the source"
            for op in ("PUT", "GET"):
                lk, bo = results[f"lakectl {op}"], results[f"boto3 {op}"]
                rows.append((f"{op} {name}", lk, bo, total_mb))
            shutil.rmtree(source)
            for p in work.glob("*-out-*"):
                shutil.rmtree(p)

        print(f"\nSeaweedFS on 127.0.0.1, parallelism {args.parallelism}, part size 8 MiB, best of {args.repeat}\n")
        print("| workload | lakectl (s) | boto3/s3transfer (s) | lakectl MiB/s | boto3 MiB/s | lakectl ÷ boto3 (time) |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, lk, bo, mb in rows:
            print(f"| {name} | {lk:.2f} | {bo:.2f} | {mb / lk:.0f} | {mb / bo:.0f} | {lk / bo:.2f} |")
    finally:
        if server_dir is not None:
            subprocess.run([str(ROOT / "scripts" / "s3-server.sh"), "stop", str(server_dir)])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
