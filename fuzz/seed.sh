#!/usr/bin/env bash
# Rebuilds the seed corpora fuzz/seeds/<target>/ from testdata/ (deterministic; the
# seeds are committed, so a clean clone does not need to run this). Needs python3.
#
# The targets read `arbitrary` structures; a seed is laid out so that the interesting
# bytes land where they matter:
#   sse_split, sse_shared: [limits: None][flush: false] SSE bytes [cuts: empty]
#   chunk_decode:          one event's data, or two consecutive ones joined by NUL
#   partial_json:          [variant: Text] JSON text (tool-call arguments) [seed][depth] [len]
#   chat_stream, accumulator: deterministic pseudo-random bytes (their inputs are
#                          descriptions, not text)
set -euo pipefail
cd "$(dirname "$0")"
rm -rf seeds
mkdir -p seeds/{sse_split,sse_shared,chunk_decode,chat_stream,accumulator,partial_json}
python3 - <<'PY'
import glob, hashlib, json, os, random

def put(target, data):
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(f"seeds/{target}/{name}", "wb") as f:
        f.write(data)

def size_bytes(n):
    # arbitrary's collection lengths are read from the end of the input: 1 byte while
    # what is left is at most 256 bytes, 2 while at most 65536, else 4.
    return 1 if n + 1 <= 256 else 2 if n + 2 <= 65536 else 4

for path in sorted(glob.glob("../testdata/*/*.sse")):
    sse = open(path, "rb").read()[:4096]
    body = sse + b"\0" * size_bytes(len(sse))
    for target in ("sse_split", "sse_shared"):
        put(target, b"\0\0" + body)

for path in sorted(glob.glob("../testdata/*/*.events.jsonl")):
    datas = []
    for line in open(path, encoding="utf-8"):
        ev = json.loads(line)
        if isinstance(ev, dict) and isinstance(ev.get("data"), str):
            datas.append(ev["data"].encode())
    keep = datas[:2] + datas[-2:]
    for d in keep:
        if len(d) <= 4096:
            put("chunk_decode", d)
    for a, b in zip(datas[:2], datas[1:3]):
        if len(a) + len(b) < 4096:
            put("chunk_decode", a + b"\0" + b)

for path in sorted(glob.glob("../testdata/*/*.completion.json")):
    try:
        c = json.load(open(path, encoding="utf-8"))
    except ValueError:
        continue
    for choice in c.get("choices") or []:
        for call in (choice.get("message") or {}).get("tool_calls") or []:
            args = ((call.get("function") or {}).get("arguments") or "").encode()
            if 0 < len(args) < 240:
                # Text variant, the text, seed 0, depth 4 (limit 128), the text's length.
                put("partial_json", b"\xff\xff\xff\xff" + args + b"\0" * 8 + b"\x04" + bytes([len(args)]))

rng = random.Random(20260101)
for target in ("chat_stream", "accumulator", "partial_json"):
    for n in (64, 128, 256, 512, 1024, 2048) * 3:
        put(target, bytes(rng.randrange(256) for _ in range(n)))
PY
for d in seeds/*; do echo "$d: $(ls "$d" | wc -l) files, $(cat "$d"/* | wc -c) bytes"; done
