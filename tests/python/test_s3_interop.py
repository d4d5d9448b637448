"""lakectl's S3 client against boto3 on the real test server: keys that need URI encoding
(spaces, unicode, + = ~ % & and friends) written by one client must be read back by the other,
byte for byte, and listed under their exact names."""
import json

import pytest

ODD_NAMES = ["plain.txt", "with space.txt", "plus+equals=tilde~.bin", "percent%20literal", "amp&semi;colon:",
             "ünïcödé/日本語.json", "a@b,c$d!e'f(g)h*i", "deep/er/still deeper/x"]


def boto_client(s3_env):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=s3_env["AWS_ENDPOINT_URL"], region_name=s3_env["AWS_REGION"],
                        aws_access_key_id=s3_env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=s3_env["AWS_SECRET_ACCESS_KEY"],
                        config=Config(s3={"addressing_style": "path"}))


def aws_env(s3_env):
    return {k: v for k, v in s3_env.items() if k.startswith("AWS_")}


def split(url):
    rest = url[len("s3://"):]
    bucket, _, prefix = rest.partition("/")
    return bucket, prefix


def test_boto3_writes_lakectl_reads(lakectl, s3_env, s3_prefix):
    client = boto_client(s3_env)
    bucket, prefix = split(s3_prefix)
    expected = {}
    for i, name in enumerate(ODD_NAMES):
        body = f"{i}:{name}".encode() * (i + 1)
        client.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=body)
        expected[name] = body
    listed = lakectl("fs", "ls", "--recursive", "--json", s3_prefix + "/", env=aws_env(s3_env), check=True)
    entries = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    keys = sorted(e["key"] for e in entries)
    assert keys == sorted(f"{prefix}/{n}" for n in ODD_NAMES), listed.stdout
    for name, body in expected.items():
        got = lakectl("fs", "cat", f"{s3_prefix}/{name}", env=aws_env(s3_env), check=True, text=False)
        assert got.stdout == body, name


def test_lakectl_writes_boto3_reads(lakectl, s3_env, s3_prefix, tmp_path):
    client = boto_client(s3_env)
    bucket, prefix = split(s3_prefix)
    for i, name in enumerate(ODD_NAMES):
        src = tmp_path / f"src{i}"
        src.write_bytes(bytes(range(256)) * (i + 1))
        lakectl("fs", "upload", str(src), f"{s3_prefix}/{name}", env=aws_env(s3_env), check=True)
        got = client.get_object(Bucket=bucket, Key=f"{prefix}/{name}")["Body"].read()
        assert got == src.read_bytes(), name
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(f"{prefix}/{n}" for n in ODD_NAMES)


def test_multipart_object_is_whole_for_boto3(lakectl, s3_env, s3_prefix, tmp_path):
    client = boto_client(s3_env)
    bucket, prefix = split(s3_prefix)
    src = tmp_path / "big.bin"
    src.write_bytes(bytes((i * 7919) % 251 for i in range(3 * 5 * 1024 * 1024 + 12345)))
    lakectl("fs", "upload", "--multipart-threshold", str(5 * 1024 * 1024), "--part-size", str(5 * 1024 * 1024),
            str(src), f"{s3_prefix}/big.bin", env=aws_env(s3_env), check=True)
    head = client.head_object(Bucket=bucket, Key=f"{prefix}/big.bin")
    assert head["ETag"].strip('"').endswith("-4"), head["ETag"]  # four parts
    assert client.get_object(Bucket=bucket, Key=f"{prefix}/big.bin")["Body"].read() == src.read_bytes()
    uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", [])
    assert uploads == [], "parts left behind"
