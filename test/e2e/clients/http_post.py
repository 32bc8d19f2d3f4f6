"""A plain HTTP(S) POST with Python's http.client (ssl module over OpenSSL for HTTPS, socket
syscalls for plaintext), printing the response body to stdout. A bearer key is read from the
environment variable that `bearer_env` names, so keys stay out of the command line, as in real use.

Usage: http_post.py SPEC_JSON. SPEC: {url, body (JSON value), headers, bearer_env, cafile}.
"""
import http.client
import json
import os
import ssl
import sys
import urllib.parse

spec = json.loads(sys.argv[1])
url = urllib.parse.urlsplit(spec["url"])
if url.scheme == "https":
    ctx = ssl.create_default_context(cafile=spec.get("cafile"))
    conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx, timeout=30)
else:
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
headers = dict(spec.get("headers", {}))
if spec.get("bearer_env"):
    headers["Authorization"] = "Bearer " + os.environ[spec["bearer_env"]]
headers.setdefault("Content-Type", "application/json")
target = url.path + ("?" + url.query if url.query else "")
conn.request("POST", target, body=json.dumps(spec["body"]).encode(), headers=headers)
resp = conn.getresponse()
data = resp.read()
conn.close()
if resp.status != 200:
    print(f"HTTP {resp.status}: {data[:300]!r}", file=sys.stderr)
    sys.exit(1)
sys.stdout.write(data.decode("utf-8"))
