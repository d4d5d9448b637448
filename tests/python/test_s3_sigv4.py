"""Cross-check lakectl's SigV4 signer against botocore's own S3 signer on random requests."""
import datetime
import hashlib
import json
import random
from unittest import mock
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

KEY_ALPHABET = list("abcXYZ019-_.~ +=&?%/!$'()*,;:@") + ["é", "ü", "ß", "日本", "😀", "\u00a0"]
VALUE_ALPHABET = list("abcXYZ019-_.~ +=&/%:") + ["é", "日"]


def random_text(rng, alphabet, low, high):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def random_request(rng, index):
    bucket = rng.choice(["lakectl-test", "my.bucket", "b-1"])
    key = random_text(rng, KEY_ALPHABET, 1, 40)
    path = f"/{bucket}/{key}" if rng.random() < 0.7 else f"/{key}"
    method = rng.choice(["GET", "PUT", "HEAD", "DELETE", "POST"])
    query = []
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        query.append([random_text(rng, VALUE_ALPHABET, 1, 10), random_text(rng, VALUE_ALPHABET, 0, 12)])
    if rng.random() < 0.2:
        query.append(["uploads", ""])
    body = b"" if rng.random() < 0.4 else random_text(rng, VALUE_ALPHABET, 1, 200).encode()
    payload_hash = "UNSIGNED-PAYLOAD" if rng.random() < 0.2 else hashlib.sha256(body).hexdigest()
    host = rng.choice(["127.0.0.1:8333", "s3.us-east-1.amazonaws.com", "bucket.s3.eu-west-1.amazonaws.com"])
    headers = [["Host", host]]
    if rng.random() < 0.5:
        headers.append(["Range", f"bytes={rng.randint(0, 100)}-{rng.randint(101, 1000)}"])
    if rng.random() < 0.3:
        headers.append(["If-None-Match", "*"])
    if rng.random() < 0.3:
        headers.append(["Content-Type", "application/octet-stream"])
    if rng.random() < 0.2:
        headers.append(["x-amz-meta-note", "  two  spaces here  "])
    return {
        "method": method, "path": path, "query": query, "headers": headers, "payload_hash": payload_hash,
        "access_key": "AKID" + str(index), "secret_key": random_text(rng, list("abcdefXYZ0123456789/+"), 20, 40),
        "session_token": None if rng.random() < 0.7 else "token/" + str(index) + "+==",
        "region": rng.choice(["us-east-1", "eu-west-1"]),
        "date": 1369353600 + rng.randint(0, 10 ** 8),
    }


def botocore_authorization(desc):
    host = next(v for k, v in desc["headers"] if k == "Host")
    url = "http://" + host + quote(desc["path"], safe="/~")
    headers = {k: v for k, v in desc["headers"] if k != "Host"}
    request = AWSRequest(method=desc["method"], url=url, headers=headers,
                         params=[tuple(q) for q in desc["query"]])
    # botocore asks the payload hash itself; hand it ours (body hashing is tested with the AWS examples).
    request.headers["X-Amz-Content-SHA256"] = desc["payload_hash"]
    signer = S3SigV4Auth(Credentials(desc["access_key"], desc["secret_key"], desc["session_token"]),
                         "s3", desc["region"])
    now = datetime.datetime.fromtimestamp(desc["date"], datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now), \
            mock.patch.object(S3SigV4Auth, "payload", return_value=desc["payload_hash"]):
        signer.add_auth(request)
    return request.headers["Authorization"]


def test_signatures_match_botocore(lakectl):
    rng = random.Random(20240501)
    requests = [random_request(rng, i) for i in range(400)]
    proc = lakectl("debug", "sign", input="".join(json.dumps(r) + "\n" for r in requests), check=True)
    ours = proc.stdout.splitlines()
    assert len(ours) == len(requests)
    mismatches = []
    for desc, got in zip(requests, ours):
        expected = botocore_authorization(desc)
        if got != expected:
            mismatches.append((desc, got, expected))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[0]}"
    assert any(" " in r["path"] for r in requests) and any("+" in r["path"] for r in requests)
    assert any(r["query"] for r in requests) and any(r["session_token"] for r in requests)


def test_secret_never_printed(lakectl):
    desc = random_request(random.Random(7), 0)
    desc["secret_key"] = "SUPERSECRETVALUE123"
    proc = lakectl("debug", "sign", input=json.dumps(desc) + "\n", check=True)
    assert "SUPERSECRETVALUE123" not in proc.stdout + proc.stderr
