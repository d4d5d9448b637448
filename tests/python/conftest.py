"""Shared fixtures for lakectl's Python interop tests.

scripts/test.sh builds lakectl, starts SeaweedFS and exports:
  LAKECTL_BIN                 path of the built `lakectl` binary
  LAKECTL_TEST_S3_ENDPOINT    http://127.0.0.1:PORT of the SeaweedFS S3 gateway
  LAKECTL_TEST_S3_ACCESS_KEY / LAKECTL_TEST_S3_SECRET_KEY / LAKECTL_TEST_S3_REGION
  LAKECTL_TEST_S3_BUCKET      a bucket that exists and that tests may write under (use unique prefixes)
"""
import os
import pathlib
import subprocess
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


def _bin() -> str:
    path = os.environ.get("LAKECTL_BIN") or str(ROOT / ".build" / "debug" / "lakectl")
    if not os.path.exists(path):
        pytest.exit(f"lakectl binary not found at {path}: run scripts/test.sh or `swift build` first", 2)
    return path


@pytest.fixture(scope="session")
def lakectl_bin() -> str:
    return _bin()


@pytest.fixture
def lakectl(lakectl_bin):
    """Run lakectl with arguments; returns CompletedProcess (text). check=False: assert yourself."""

    def run(*args, input=None, env=None, timeout=300, check=False, text=True):
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        proc = subprocess.run([lakectl_bin, *map(str, args)], input=input, capture_output=True,
                              env=full_env, timeout=timeout, text=text)
        if check and proc.returncode != 0:
            raise AssertionError(f"lakectl {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                                 f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    return run


@pytest.fixture(scope="session")
def shared_testdata() -> pathlib.Path:
    path = SHARED / "testdata"
    if not path.exists():
        pytest.skip("../shared/testdata is absent (a user's clone has no shared/); CI always has it")
    return path


@pytest.fixture(scope="session")
def s3_env() -> dict:
    """Credentials and endpoint of the test S3 server, as AWS_* variables for lakectl."""
    endpoint = os.environ.get("LAKECTL_TEST_S3_ENDPOINT")
    if not endpoint:
        if os.environ.get("CI"):
            pytest.fail("LAKECTL_TEST_S3_ENDPOINT is not set in CI: scripts/test.sh must start SeaweedFS")
        pytest.skip("no test S3 server (run through scripts/test.sh)")
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": os.environ["LAKECTL_TEST_S3_ACCESS_KEY"],
        "AWS_SECRET_ACCESS_KEY": os.environ["LAKECTL_TEST_S3_SECRET_KEY"],
        "AWS_REGION": os.environ.get("LAKECTL_TEST_S3_REGION", "us-east-1"),
        "bucket": os.environ["LAKECTL_TEST_S3_BUCKET"],
    }


@pytest.fixture
def s3_prefix(s3_env) -> str:
    """A fresh s3:// URL prefix in the test bucket."""
    return f"s3://{s3_env['bucket']}/t-{uuid.uuid4().hex[:12]}"
