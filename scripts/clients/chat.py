"""Python client for the end-to-end tests: http.client over the ssl module (SSL_write_ex/SSL_read_ex).

Usage: chat.py SPEC_JSON. SPEC: {host, port, cafile, model, marker, stream, include_usage, tools,
count (requests on one keep-alive connection), pad_bytes (extra request body size), prompt,
delay_s (pause before the first request)}.
"""
import http.client
import json
import ssl
import sys

spec = json.loads(sys.argv[1])
if spec.get("delay_s"):
    # Lets a test make sure libssl is mapped (import ssl above) well before the first TLS call.
    import time
    time.sleep(spec["delay_s"])
ctx = ssl.create_default_context(cafile=spec["cafile"])
conn = http.client.HTTPSConnection(spec["host"], spec["port"], context=ctx, timeout=30)
for i in range(spec.get("count", 1)):
    body = {
        "model": spec["model"],
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": spec.get("prompt", "Say hello") + f" [{spec['marker']}-{i}]" + (" " + "x" * spec["pad_bytes"] if spec.get("pad_bytes") else "")},
        ],
        "temperature": 0.2,
        "max_tokens": 64,
    }
    if spec.get("stream"):
        body["stream"] = True
        if spec.get("include_usage"):
            body["stream_options"] = {"include_usage": True}
    if spec.get("tools"):
        body["tools"] = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    payload = json.dumps(body).encode()
    conn.request("POST", "/v1/chat/completions", body=payload, headers={
        "Authorization": "Bearer sk-proj-PYTHONSECRETKEY0123456789abcdefghijkl",
        "Content-Type": "application/json",
    })
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        print(f"HTTP {resp.status}: {data[:200]!r}", file=sys.stderr)
        sys.exit(1)
print("ok")
conn.close()
