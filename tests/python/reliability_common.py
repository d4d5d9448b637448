"""Shared helpers of the reliability suites (tests/python/test_reliability_*.py).

Every suite checks lakectl against an independent oracle: the same changes applied to SQLite
(compact_oracle.Stream) — never against lakectl's own output.
"""
import json
import os
import pathlib
import re

TABLE = "public.orders"
FIGURES = pathlib.Path(os.environ.get("LAKECTL_RELIABILITY_FIGURES", "/tmp/lakectl-reliability-figures.jsonl"))


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def record(suite, **figures):
    """Appends a suite's figures (one JSON line) for docs/RELIABILITY.md."""
    try:
        with FIGURES.open("a") as f:
            f.write(json.dumps({"suite": suite, **figures}) + "\n")
    except OSError:
        pass


def cdc_name(i):
    return f"20240612-{10 + i // 3600:02d}{i // 60 % 60:02d}{i % 60:02d}123.csv"


def s3_client(s3_env, endpoint=None):
    import boto3
    return boto3.client("s3", endpoint_url=endpoint or s3_env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=s3_env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=s3_env["AWS_SECRET_ACCESS_KEY"], region_name=s3_env["AWS_REGION"])


def storage_options(s3_env):
    return {"AWS_ENDPOINT_URL": s3_env["AWS_ENDPOINT_URL"], "AWS_ACCESS_KEY_ID": s3_env["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": s3_env["AWS_SECRET_ACCESS_KEY"], "AWS_REGION": s3_env["AWS_REGION"],
            "AWS_ALLOW_HTTP": "true", "AWS_S3_ALLOW_UNSAFE_RENAME": "true", "AWS_FORCE_PATH_STYLE": "true"}


def s3_table_rows(s3_env, url, version=None):
    from deltalake import DeltaTable
    from compact_oracle import normalise
    dt = DeltaTable(url, version=version, storage_options=storage_options(s3_env))
    return normalise(dt.to_pyarrow_table())


def lakectl_env(s3_env, endpoint):
    env = {k: v for k, v in s3_env.items() if k != "bucket"}
    env["AWS_ENDPOINT_URL"] = endpoint
    return env


class OutputLog:
    """Collects every stdout/stderr lakectl printed in a suite, to grep it for the secret."""

    def __init__(self):
        self.chunks = []

    def add(self, proc):
        self.chunks += [proc.stdout or "", proc.stderr or ""]
        return proc

    def assert_no_secret(self, secret):
        for chunk in self.chunks:
            assert secret not in chunk, "the secret access key appeared in lakectl's output"
            # the signing key derivation never prints either: no 64-hex run that is the secret's prefix
            assert not re.search(re.escape(secret[:12]), chunk)


def one_line_error(stderr):
    """lakectl's error convention: a `lakectl: ...` line on stderr."""
    lines = [l for l in stderr.splitlines() if l.startswith("lakectl:") or l.startswith("Error:")]
    return lines
