"""Latency client: sequential LLM-shaped requests (2-20 KB JSON, SSE answer) over one keep-alive
TLS connection with Python's ssl module (libssl, captured by the agent). For each request it
prints one JSON line with the wall-clock time (time.time_ns) right after the last byte of the
response was read, and the request's marker, so the benchmark can match the record the agent
writes for it.

Usage: latency.py SPEC_JSON  (SPEC: host, port, cafile, count, interval_ms, prefix)
"""
import http.client
import json
import ssl
import sys
import time

spec = json.loads(sys.argv[1])
ctx = ssl.create_default_context(cafile=spec["cafile"])
conn = http.client.HTTPSConnection(spec["host"], spec["port"], context=ctx, timeout=30)
words = "please summarise the following incident report for an on-call engineer with timeline and root cause".split()
filler = " ".join(words[(i * 7) % len(words)] for i in range(4000))
for i in range(spec["count"]):
    marker = f"{spec['prefix']}-{i}"
    size = 2048 + (i * 7919) % 18433
    body = json.dumps({
        "model": "gpt-4o-mini",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": f"[{marker}] " + filler[: max(0, size - 300)]},
        ],
    }).encode()
    t_start = time.time_ns()
    conn.request("POST", "/v1/chat/completions", body=body, headers={
        "Authorization": "Bearer sk-bench-0000000000000000000000000000",
        "Content-Type": "application/json",
    })
    resp = conn.getresponse()
    data = resp.read()
    t_end = time.time_ns()
    if resp.status != 200:
        print(f"HTTP {resp.status}: {data[:200]!r}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"marker": marker, "t_start_ns": t_start, "t_end_ns": t_end, "bytes": len(data)}), flush=True)
    time.sleep(spec["interval_ms"] / 1000)
conn.close()
