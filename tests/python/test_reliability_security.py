"""Security (issue 7.7): secrets never printed, TLS verified, SSE and expected-bucket-owner headers
signed into every write, checked through the proxy's request log."""
import json
import os
import ssl
import subprocess

import pytest

from compact_oracle import Stream, write_schema
from faultproxy import FaultProxy
from reliability_common import TABLE, OutputLog, cdc_name, lakectl_env, record, s3_client


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A private CA and a server certificate for 127.0.0.1 it signs (openssl req)."""
    d = tmp_path_factory.mktemp("tls")
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=lakectl test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem",
        "-days", "2", "-subj", "/CN=unrelated CA")
    return d


def _ctx(d):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "server.pem", d / "server.key")
    return ctx


def test_self_signed_https_refused_unless_ca_given(lakectl, s3_env, s3_prefix, tls_files, tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("tls payload")
    with FaultProxy(s3_env["AWS_ENDPOINT_URL"], rate=0.0, ssl_context=_ctx(tls_files)) as proxy:
        assert proxy.url.startswith("https://")
        env = lakectl_env(s3_env, proxy.url)
        refused = lakectl("fs", "upload", src, f"{s3_prefix}/tls.txt", "--timeout", "10", env=env, timeout=60)
        assert refused.returncode != 0
        assert "certificate" in refused.stderr.lower() or "ssl" in refused.stderr.lower(), refused.stderr
        assert not proxy.log, "a request got through an unverified TLS connection"
        also = lakectl("fs", "upload", src, f"{s3_prefix}/tls.txt", "--timeout", "10", env=dict(env, AWS_CA_BUNDLE=""),
                       timeout=60)
        assert also.returncode != 0
        ok = lakectl("fs", "upload", src, f"{s3_prefix}/tls.txt", "--ca-bundle", tls_files / "ca.pem", env=env, timeout=60)
        assert ok.returncode == 0, ok.stderr
        back = lakectl("fs", "cat", f"{s3_prefix}/tls.txt", "--ca-bundle", tls_files / "ca.pem", env=env, timeout=60)
        assert back.returncode == 0 and back.stdout == "tls payload", back.stderr
        via_env = lakectl("fs", "cat", f"{s3_prefix}/tls.txt", env=dict(env, AWS_CA_BUNDLE=str(tls_files / "ca.pem")))
        assert via_env.returncode == 0 and via_env.stdout == "tls payload", via_env.stderr
        # an unrelated CA is refused too
        wrong = lakectl("fs", "cat", f"{s3_prefix}/tls.txt", "--ca-bundle", tls_files / "other.pem", env=env)
        assert wrong.returncode != 0
    record("security-tls", refused=True, accepted_with_ca=True)


def _signed_headers(entry):
    auth = dict((k.lower(), v) for k, v in entry["headers"]).get("authorization", "")
    part = auth.split("SignedHeaders=", 1)[1].split(",", 1)[0] if "SignedHeaders=" in auth else ""
    return part.split(";")


def test_sse_and_bucket_owner_headers_are_signed_on_writes(lakectl, s3_env, s3_prefix, tmp_path):
    """SeaweedFS has no KMS and answers SSE writes with 500, so the headers are checked in the proxy's
    log of what lakectl sent and signed; the bucket-owner header alone is accepted end to end."""
    src = tmp_path / "f.txt"
    src.write_text("x" * 100)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 << 20))
    owner = "123456789012"
    multipart = ["--multipart-threshold", str(5 << 20), "--part-size", str(5 << 20)]
    with FaultProxy(s3_env["AWS_ENDPOINT_URL"], rate=0.0) as proxy:
        env = lakectl_env(s3_env, proxy.url)
        # owner only: works end to end, every request (parts included) carries it
        ok = lakectl("fs", "upload", big, f"{s3_prefix}/big.bin", *multipart, "--expected-bucket-owner", owner, env=env)
        assert ok.returncode == 0, ok.stderr
        ls = lakectl("fs", "ls", s3_prefix, "--expected-bucket-owner", owner, env=env)
        assert ls.returncode == 0 and "big.bin" in ls.stdout, ls.stderr
        owner_log = list(proxy.log)
        proxy.log.clear()
        lakectl("fs", "upload", src, f"{s3_prefix}/sse.txt", "--sse", "AES256", "--timeout", "1", env=env)
        lakectl("fs", "upload", big, f"{s3_prefix}/sse.bin", *multipart, "--sse", "AES256", "--timeout", "1", env=env)
        lakectl("fs", "upload", src, f"{s3_prefix}/kms.txt", "--timeout", "1",
                env=dict(env, LAKECTL_S3_SSE_KMS_KEY_ID="alias/lake", LAKECTL_S3_EXPECTED_BUCKET_OWNER=owner))
        sse_log = list(proxy.log)
    assert any("partNumber" in e["path"] for e in owner_log)
    for e in owner_log:
        h = dict((k.lower(), v) for k, v in e["headers"])
        assert h.get("x-amz-expected-bucket-owner") == owner, e
        assert "x-amz-expected-bucket-owner" in _signed_headers(e)
        assert "x-amz-server-side-encryption" not in h
    paths = {"sse.txt": "AES256", "sse.bin?uploads": "AES256", "kms.txt": "aws:kms"}
    for suffix, kind in paths.items():
        sent = [e for e in sse_log if e["path"].split("/")[-1].rstrip("=") == suffix]
        assert sent, (suffix, [e["path"] for e in sse_log])
        for e in sent:
            h = dict((k.lower(), v) for k, v in e["headers"])
            assert h.get("x-amz-server-side-encryption") == kind, e
            assert "x-amz-server-side-encryption" in _signed_headers(e)
            if kind == "aws:kms":
                assert h.get("x-amz-server-side-encryption-aws-kms-key-id") == "alias/lake"
                assert "x-amz-server-side-encryption-aws-kms-key-id" in _signed_headers(e)
                assert h.get("x-amz-expected-bucket-owner") == owner
    bad = lakectl("fs", "ls", s3_prefix, "--sse", "rot13", env=lakectl_env(s3_env, s3_env["AWS_ENDPOINT_URL"]))
    assert bad.returncode != 0 and "AES256" in bad.stderr
    record("security-headers", requests=len(owner_log) + len(sse_log))


def test_secret_never_printed(lakectl, s3_env, s3_prefix, tmp_path):
    """Every output of successful, failing and --json runs, with good and wrong credentials, is grepped
    for the secret (and the session token)."""
    secret, token = s3_env["AWS_SECRET_ACCESS_KEY"], "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789"
    out = OutputLog()
    schema = tmp_path / "schema.json"
    write_schema(schema)
    stream = Stream(seed=9)
    s3 = s3_client(s3_env)
    dms = f"{s3_prefix}/dms/public/orders"
    s3.put_object(Bucket=s3_env["bucket"], Key=dms.split(f"s3://{s3_env['bucket']}/", 1)[1] + "/" + cdc_name(0),
                  Body=stream.batch(30).encode())
    good = lakectl_env(s3_env, s3_env["AWS_ENDPOINT_URL"])
    wrong = dict(good, AWS_SECRET_ACCESS_KEY=secret[::-1], AWS_SESSION_TOKEN=token)
    plain = tmp_path / "plain.json"
    write_schema(plain, plain=True)
    src = tmp_path / "in.csv"
    src.write_text(stream.batch(10, plain=True))
    runs = [("compact", s3_prefix, "--table", TABLE, "--from", dms, "--schema", schema, "--json"),
            ("ingest", s3_prefix, "--format", "dms-csv", "--schema", plain, "--table", TABLE, "--json", src),
            ("fs", "ls", "-r", "--json", s3_prefix), ("fs", "cat", f"{s3_prefix}/missing"),
            ("table", "describe", f"{s3_prefix}/tables/public/orders", "--json"),
            ("fs", "ls", "s3://no-such-bucket-lakectl/x"), ("fs", "ls", "--endpoint-url", "http://127.0.0.1:1", s3_prefix,
                                                            "--timeout", "2")]
    failures = 0
    for env in (good, wrong, dict(good, AWS_DEBUG="1", LAKECTL_LOG="debug")):
        for args in runs:
            proc = out.add(lakectl(*args, env=env, timeout=120))
            failures += proc.returncode != 0
    out.assert_no_secret(secret)
    for chunk in out.chunks:
        assert token not in chunk and secret[::-1] not in chunk
    assert failures >= len(runs)  # the wrong-credential runs fail, and say so without the secret
    record("security-secrets", outputs=len(out.chunks), failing_runs=failures)
