"""`lakectl fs` on the local folder store and on SeaweedFS: the commands users and scripts rely on,
checked against the file system and against boto3 as an independent S3 client."""
import json
import os
import pathlib

import pytest


def boto_client(s3_env):
    import boto3
    return boto3.client("s3", endpoint_url=s3_env["AWS_ENDPOINT_URL"], region_name=s3_env["AWS_REGION"],
                        aws_access_key_id=s3_env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=s3_env["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture(params=["local", "s3"])
def target(request, tmp_path):
    """(base URL, env) for each store kind."""
    if request.param == "local":
        return str(tmp_path / "lake"), {}
    s3_env = request.getfixturevalue("s3_env")
    prefix = request.getfixturevalue("s3_prefix")
    env = {k: v for k, v in s3_env.items() if k.startswith("AWS_")}
    return prefix, env


def test_upload_cat_stat_ls_download_rm(lakectl, target, tmp_path):
    base, env = target
    src = tmp_path / "hello.txt"
    src.write_bytes(b"hello lake\n")
    r = lakectl("fs", "upload", src, f"{base}/dir/hello.txt", env=env)
    assert r.returncode == 0, r.stderr

    r = lakectl("fs", "cat", f"{base}/dir/hello.txt", env=env, text=False)
    assert r.returncode == 0 and r.stdout == b"hello lake\n"

    r = lakectl("fs", "cat", f"{base}/dir/hello.txt", "--offset", 6, "--length", 4, env=env, text=False)
    assert r.stdout == b"lake"

    r = lakectl("fs", "stat", f"{base}/dir/hello.txt", "--json", env=env, check=True)
    meta = json.loads(r.stdout)
    assert meta["size"] == 11 and meta["key"].endswith("dir/hello.txt")

    r = lakectl("fs", "ls", base, env=env, check=True)
    assert "dir/" in r.stdout and "hello.txt" not in r.stdout
    r = lakectl("fs", "ls", "--recursive", "--json", base, env=env, check=True)
    entries = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["size"] for e in entries] == [11]

    out = tmp_path / "out.txt"
    lakectl("fs", "download", f"{base}/dir/hello.txt", out, env=env, check=True)
    assert out.read_bytes() == b"hello lake\n"

    lakectl("fs", "rm", f"{base}/dir/hello.txt", env=env, check=True)
    r = lakectl("fs", "stat", f"{base}/dir/hello.txt", env=env)
    assert r.returncode != 0
    assert "not found" in r.stderr and "hello.txt" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_recursive_tree_round_trip_and_create_only(lakectl, target, tmp_path):
    base, env = target
    tree = tmp_path / "tree"
    files = {"a.txt": b"a", "sub/b.bin": os.urandom(3000), "sub/deeper/c": b"", "ünï cödé.txt": b"u"}
    for rel, data in files.items():
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    lakectl("fs", "upload", "--recursive", tree, f"{base}/tree", env=env, check=True)
    r = lakectl("fs", "ls", "-r", "--json", f"{base}/tree", env=env, check=True)
    keys = sorted(json.loads(line)["key"].split("tree/", 1)[1] for line in r.stdout.splitlines())
    assert keys == sorted(files)

    back = tmp_path / "back"
    lakectl("fs", "download", "--recursive", f"{base}/tree", back, env=env, check=True)
    for rel, data in files.items():
        assert (back / rel).read_bytes() == data

    r = lakectl("fs", "upload", "--create-only", tree / "a.txt", f"{base}/tree/a.txt", env=env)
    assert r.returncode != 0 and "already exists" in r.stderr

    lakectl("fs", "rm", "--recursive", f"{base}/tree", env=env, check=True)
    r = lakectl("fs", "ls", "-r", f"{base}/tree", env=env, check=True)
    assert r.stdout.strip() == ""


def test_large_file_uses_parts(lakectl, target, tmp_path):
    base, env = target
    data = os.urandom(7 * 1024 * 1024 + 123)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    lakectl("fs", "upload", src, f"{base}/big.bin", "--multipart-threshold", 5 * 1024 * 1024,
            "--part-size", 5 * 1024 * 1024, env=env, check=True)
    out = tmp_path / "big.out"
    lakectl("fs", "download", f"{base}/big.bin", out, env=env, check=True)
    assert out.read_bytes() == data


def test_s3_objects_visible_to_boto3(lakectl, s3_env, s3_prefix, tmp_path):
    env = {k: v for k, v in s3_env.items() if k.startswith("AWS_")}
    src = tmp_path / "x.csv"
    src.write_bytes(b"id,name\n1,a\n")
    lakectl("fs", "upload", src, f"{s3_prefix}/x.csv", env=env, check=True)
    bucket, key_prefix = s3_prefix[len("s3://"):].split("/", 1)
    body = boto_client(s3_env).get_object(Bucket=bucket, Key=f"{key_prefix}/x.csv")["Body"].read()
    assert body == b"id,name\n1,a\n"


def test_errors_name_the_object(lakectl, tmp_path):
    r = lakectl("fs", "cat", tmp_path / "no" / "such.txt")
    assert r.returncode != 0
    assert "such.txt" in r.stderr and "not found" in r.stderr
    r = lakectl("fs", "upload", tmp_path / "missing-source", tmp_path / "dest")
    assert r.returncode != 0 and "missing-source" in r.stderr


def test_wrong_secret_is_a_clear_error(lakectl, s3_env, s3_prefix):
    env = {k: v for k, v in s3_env.items() if k.startswith("AWS_")}
    env["AWS_SECRET_ACCESS_KEY"] = "definitely-wrong-secret-value"
    r = lakectl("fs", "ls", s3_prefix, env=env, timeout=120)
    assert r.returncode != 0
    assert "credentials" in r.stderr.lower()
    assert "definitely-wrong-secret-value" not in r.stderr + r.stdout


def _proxy_env(s3_env, proxy_url):
    env = {k: v for k, v in s3_env.items() if k.startswith("AWS_")}
    env["AWS_ENDPOINT_URL"] = proxy_url
    return env


def test_large_download_streams_parts_through_faults(lakectl, s3_env, s3_prefix, tmp_path):
    """A multipart object fetched as parallel ranged GETs written straight into the file; truncated
    bodies, resets and 500s are retried and each retry rewrites its part, so the file is exact."""
    from faultproxy import FaultProxy
    data = os.urandom(11 * 1024 * 1024 + 4321)
    bucket, key_prefix = s3_prefix[len("s3://"):].split("/", 1)
    s3 = boto_client(s3_env)
    upload = s3.create_multipart_upload(Bucket=bucket, Key=f"{key_prefix}/big.bin")
    parts = []
    for number, start in enumerate(range(0, len(data), 5 * 1024 * 1024), 1):
        part = s3.upload_part(Bucket=bucket, Key=f"{key_prefix}/big.bin", UploadId=upload["UploadId"],
                              PartNumber=number, Body=data[start:start + 5 * 1024 * 1024])
        parts.append({"PartNumber": number, "ETag": part["ETag"]})
    s3.complete_multipart_upload(Bucket=bucket, Key=f"{key_prefix}/big.bin", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": parts})
    with FaultProxy(s3_env["AWS_ENDPOINT_URL"], rate=0.3, seed=11, faults=("truncate", "reset", "500")) as proxy:
        out = tmp_path / "big.out"
        r = lakectl("fs", "download", f"{s3_prefix}/big.bin", out, "--part-size", 1024 * 1024,
                    env=_proxy_env(s3_env, proxy.url))
        assert r.returncode == 0, r.stderr
        gets = [e for e in proxy.log if e["method"] == "GET"]
        truncated = proxy.counts["truncate"]
    assert out.read_bytes() == data
    assert len([g for g in gets if g["fault"] is None]) == 12  # 12 parts of 1 MiB, each complete once
    assert truncated > 0, "the seed should truncate some bodies"
    assert sorted(os.listdir(tmp_path)) == ["big.out"]


def test_failed_download_leaves_the_destination_alone(lakectl, s3_env, s3_prefix, tmp_path):
    """Every GET body is cut short until the deadline: the download fails with one line naming
    the object, the existing destination keeps its old bytes and no partial file is left."""
    from faultproxy import FaultProxy
    bucket, key_prefix = s3_prefix[len("s3://"):].split("/", 1)
    boto_client(s3_env).put_object(Bucket=bucket, Key=f"{key_prefix}/obj.bin", Body=os.urandom(3 * 1024 * 1024))
    dest = tmp_path / "obj.bin"
    dest.write_bytes(b"old contents")
    with FaultProxy(s3_env["AWS_ENDPOINT_URL"], rate=1.0, seed=3, faults=("truncate",)) as proxy:
        r = lakectl("fs", "download", f"{s3_prefix}/obj.bin", dest, "--part-size", 1024 * 1024, "--timeout", 2,
                    env=_proxy_env(s3_env, proxy.url), timeout=120)
        truncated = proxy.counts["truncate"]
    assert r.returncode == 1, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("lakectl:")]
    assert len(errors) == 1 and "obj.bin" in errors[0] and "get" in errors[0], r.stderr
    assert truncated >= 3
    assert dest.read_bytes() == b"old contents"
    assert sorted(os.listdir(tmp_path)) == ["obj.bin"]
