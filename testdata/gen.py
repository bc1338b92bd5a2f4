#!/usr/bin/env python3
"""Generate chunkwise's golden recorded streams (`testdata/<provider>/<what>.sse`).

Python 3 standard library only, deterministic (every file has its own seeded RNG), so
running it again reproduces the committed bytes exactly:

    python3 testdata/gen.py            # (re)write every .sse file
    python3 testdata/gen.py --check    # parse every .sse file as SSE, validate JSON, print a summary

All conversations, ids, timestamps, obfuscation strings and numbers are invented by this
script. The wire formats (field order, null vs absent, quirks) follow what the providers
send; see README.md for what informed each one.
"""

import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"
ALNUM_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"


# --------------------------------------------------------------------------- JSON


class Raw(str):
    """Pre-encoded JSON text, inserted verbatim (hand-written escapes, exact floats)."""


def enc(v):
    """Compact JSON, keys in insertion order, non-ASCII left as UTF-8 (as providers do)."""
    if isinstance(v, Raw):
        return str(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(enc(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + enc(x) for k, x in v.items()) + "}"
    raise TypeError(repr(v))


def data(obj, nl="\n"):
    """One `data:` event terminated by a blank line."""
    return "data: " + (obj if isinstance(obj, str) else enc(obj)) + nl + nl


def done(nl="\n"):
    return "data: [DONE]" + nl + nl


# --------------------------------------------------------------------------- helpers


def rstr(rng, n, alphabet=B62):
    return "".join(rng.choice(alphabet) for _ in range(n))


def fake_uuid(rng):
    h = rstr(rng, 28, HEX)
    # "5eedc0de" marks the id as generated (not recorded); version 4 / variant 8 layout.
    return "5eedc0de-%s-4%s-8%s-%s" % (h[0:4], h[4:7], h[7:10], h[10:22])


# Rough GPT-style pre-tokenizer: words with their leading space, numbers in groups of
# three, runs of punctuation, newline runs. Long pieces are sometimes split further,
# so fragments end mid-word the way real token streams do.
TOKEN_RE = re.compile(
    r" ?[^\W\d_]+| ?\d{1,3}| ?[^\s\w]+| ?_+|[ \t]*\n+|[ \t]+(?!\S)|[ \t]+"
)


def tokens(text, rng, maxlen=7):
    out = []
    for t in TOKEN_RE.findall(text):
        while len(t) > maxlen and rng.random() < 0.6:
            cut = rng.randint(2, maxlen - 1)
            out.append(t[:cut])
            t = t[cut:]
        out.append(t)
    assert "".join(out) == text, "tokenizer lost characters"
    return out


def split_json(text, rng, lo=2, hi=7):
    """Cut a JSON argument string into fragments of random length (mid-token)."""
    out, i = [], 0
    while i < len(text):
        n = rng.randint(lo, hi)
        out.append(text[i : i + n])
        i += n
    return out


def write(path, text, newline_check=None):
    full = os.path.join(HERE, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    with open(full, "wb") as f:
        f.write(raw)
    FILES.append(path)


FILES = []


# --------------------------------------------------------------------------- OpenAI


class OpenAI:
    """Chunk factory for api.openai.com chat.completion.chunk streams.

    era "2024": id, object, created, model, system_fingerprint, choices (+ usage only on
    the include_usage chunk). era "2025": adds service_tier before system_fingerprint and,
    if obfuscate, `obfuscation` last on every chunk; usage_null puts `usage: null` on every
    chunk but the usage chunk.
    """

    def __init__(self, rng, model, created, *, era="2024", fp=True, logprobs_key=True,
                 obfuscate=False, usage_null=False, service_tier="default"):
        self.rng = rng
        self.id = "chatcmpl-cw" + rstr(rng, 27)
        self.model = model
        self.created = created
        self.era = era
        self.fp = ("fp_cw" + rstr(rng, 8, HEX)) if fp is True else fp
        self.logprobs_key = logprobs_key
        self.obfuscate = obfuscate
        self.usage_null = usage_null
        self.service_tier = service_tier

    def obf(self):
        return rstr(self.rng, self.rng.randint(1, 15))

    def head(self):
        c = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
             "model": self.model}
        if self.era == "2025":
            c["service_tier"] = self.service_tier
        c["system_fingerprint"] = self.fp
        return c

    def choice(self, delta, index=0, finish=None, logprobs=None):
        ch = {"index": index, "delta": delta}
        if self.logprobs_key:
            ch["logprobs"] = logprobs
        ch["finish_reason"] = finish
        return ch

    def chunk(self, choices, usage="absent", extra=None):
        c = self.head()
        c["choices"] = choices
        if extra:
            c.update(extra)
        if usage != "absent":
            c["usage"] = usage
        elif self.usage_null:
            c["usage"] = None
        if self.obfuscate:
            c["obfuscation"] = self.obf()
        return data(c)

    def delta(self, delta, index=0, finish=None, logprobs=None):
        return self.chunk([self.choice(delta, index, finish, logprobs)])

    def usage_chunk(self, usage):
        return self.chunk([], usage=usage)


def oai_usage(prompt, completion, cached=0, reasoning=0, details=True, audio=True):
    u = {"prompt_tokens": prompt, "completion_tokens": completion,
         "total_tokens": prompt + completion}
    if details:
        if audio:
            u["prompt_tokens_details"] = {"cached_tokens": cached, "audio_tokens": 0}
            u["completion_tokens_details"] = {
                "reasoning_tokens": reasoning, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        else:
            u["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return u


ROLE_TEXT = {"role": "assistant", "content": "", "refusal": None}


def openai_plain_text():
    rng = random.Random(101)
    o = OpenAI(rng, "gpt-4o-mini-2024-07-18", 1767261604)
    text = ("How about \"Sheldon\"? It's a playful nod to the shell, and it suits a calm, "
            "unhurried companion.")
    s = o.delta(ROLE_TEXT)
    for t in tokens(text, rng):
        s += o.delta({"content": t})
    s += o.delta({}, finish="stop")
    s += done()
    write("openai/plain-text.sse", s)


def openai_include_usage():
    rng = random.Random(102)
    o = OpenAI(rng, "gpt-4o-2024-11-20", 1767262011)
    text = ("A B-tree is a self-balancing search tree whose wide nodes keep it shallow, so "
            "databases can find a record with very few disk reads.")
    toks = tokens(text, rng)
    s = o.delta(ROLE_TEXT)
    for t in toks:
        s += o.delta({"content": t})
    s += o.delta({}, finish="stop")
    s += o.usage_chunk(oai_usage(1301, len(toks), cached=1152))
    s += done()
    write("openai/include-usage.sse", s)


def openai_parallel_tool_calls():
    rng = random.Random(103)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767262230)
    calls = [
        ("call_cw" + rstr(rng, 22), "get_weather",
         '{"location":"Lisbon, Portugal","unit":"celsius"}',
         ['{"lo', 'cation', '":"Lis', 'bon, Port', 'ugal","un', 'it":"c', 'elsius"}']),
        # the argument value contains escaped quotes; one fragment ends between the
        # backslash and the quote it escapes
        ("call_cw" + rstr(rng, 22), "search_docs",
         '{"query":"\\"Retry-After\\" header","max_results":3}',
         ['{"qu', 'ery":"\\', '"Retry', '-After\\"', ' header', '","max', '_results', '":3}']),
    ]
    s = o.delta({"role": "assistant", "content": None, "refusal": None})
    for i, (cid, name, args, frags) in enumerate(calls):
        assert "".join(frags) == args
        json.loads(args)
        s += o.delta({"tool_calls": [{"index": i, "id": cid, "type": "function",
                                      "function": {"name": name, "arguments": ""}}]})
        for f in frags:
            s += o.delta({"tool_calls": [{"index": i, "function": {"arguments": f}}]})
    s += o.delta({}, finish="tool_calls")
    s += o.usage_chunk(oai_usage(212, 47, details=True, audio=False))
    s += done()
    write("openai/parallel-tool-calls.sse", s)


def openai_text_then_tool_call():
    rng = random.Random(104)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767263377, era="2025", obfuscate=True)
    text = "Let me check the current conditions in Oslo for you."
    toks = tokens(text, rng)
    s = o.delta(ROLE_TEXT)
    for t in toks:
        s += o.delta({"content": t})
    args = '{"location":"Oslo, Norway","unit":"celsius"}'
    s += o.delta({"tool_calls": [{"index": 0, "id": "call_cw" + rstr(rng, 22), "type": "function",
                                  "function": {"name": "get_weather", "arguments": ""}}]})
    for f in split_json(args, rng):
        s += o.delta({"tool_calls": [{"index": 0, "function": {"arguments": f}}]})
    s += o.delta({}, finish="tool_calls")
    s += o.usage_chunk(oai_usage(96, len(toks) + 14))
    s += done()
    write("openai/text-then-tool-call.sse", s)


def openai_refusal():
    rng = random.Random(105)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767264120)
    text = ("I'm sorry, but I can't help with writing a message designed to trick people "
            "into sharing their passwords.")
    toks = tokens(text, rng)
    s = o.delta({"role": "assistant", "content": None, "refusal": ""})
    for t in toks:
        s += o.delta({"refusal": t})
    s += o.delta({}, finish="stop")
    s += o.usage_chunk(oai_usage(88, len(toks), details=True, audio=False))
    s += done()
    write("openai/refusal.sse", s)


def openai_n2_choices():
    rng = random.Random(106)
    o = OpenAI(rng, "gpt-4o-mini-2024-07-18", 1767264588)
    texts = ["Your daily grind, ground fresh down the street.",
             "Where the whole block comes to warm up."]
    queues = [[("role", None)] + [("t", t) for t in tokens(x, rng)] + [("fin", None)]
              for x in texts]
    total = sum(len(q) - 2 for q in queues)
    s = ""
    # interleave irregularly: each step picks a choice that still has pieces
    while any(queues):
        live = [i for i, q in enumerate(queues) if q]
        i = rng.choice(live)
        kind, t = queues[i].pop(0)
        if kind == "role":
            s += o.delta(ROLE_TEXT, index=i)
        elif kind == "t":
            s += o.delta({"content": t}, index=i)
        else:
            s += o.delta({}, index=i, finish="stop")
    s += o.usage_chunk(oai_usage(31, total, details=True, audio=False))
    s += done()
    write("openai/n2-choices.sse", s)


def openai_logprobs():
    rng = random.Random(107)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767265002)

    def tl(tok, lp):
        return {"token": tok, "logprob": Raw(lp), "bytes": list(tok.encode("utf-8"))}

    # (token, logprob, [(alternative token, logprob), ...]); top_logprobs=2
    seq = [
        ("Bon", "-0.00012141", [("Bon", "-0.00012141"), ("Sal", "-9.0883")]),
        ("jour", "-1.2664457e-6", [("jour", "-1.2664457e-6"), ("soir", "-13.75")]),
        (",", "-0.31326166", [(",", "-0.31326166"), ("\u00a0!", "-1.3132617")]),
        (" ça", "-0.0019288448", [(" ça", "-0.0019288448"), (" comment", "-6.2519288")]),
        (" va", "0.0", [(" va", "0.0"), (" v", "-17.625")]),
        (" ?", "-0.47407696", [(" ?", "-0.47407696"), ("\u202f?", "-0.97407697")]),
    ]
    s = o.delta(ROLE_TEXT, logprobs={"content": [], "refusal": None})
    for tok, lp, tops in seq:
        entry = tl(tok, lp)
        entry["top_logprobs"] = [tl(a, b) for a, b in tops]
        s += o.delta({"content": tok}, logprobs={"content": [entry], "refusal": None})
    s += o.delta({}, finish="stop")
    s += o.usage_chunk(oai_usage(19, len(seq), details=True, audio=False))
    s += done()
    write("openai/logprobs.sse", s)


LONG_ANSWER = """**Exponential backoff with jitter** is the standard way to retry a failed network call.

### The idea

1. After a failure, wait a base delay, then double it each time: 0.5 s, 1 s, 2 s, 4 s…
2. Cap the delay and give up after a fixed number of attempts.
3. Add **jitter**: sleep a random time up to that delay, so clients that failed together do not retry together (the "thundering herd").

### A Python example

```python
import random, time

def call_with_retries(fn, attempts=6, base=0.5, cap=30.0):
    for attempt in range(attempts):
        try:
            return fn()
        except ConnectionError as err:
            if attempt == attempts - 1:
                raise
            delay = random.uniform(0, min(cap, base * 2 ** attempt))
            print(f"retry {attempt + 1}: {err!r}, sleeping {delay:.2f}s\\n")
            time.sleep(delay)
```

### Tips

- Retry only timeouts, `429` and `5xx`; a `400` will fail again.
- Honour a `Retry-After` header when the server sends one."""


def openai_obfuscation_long():
    rng = random.Random(108)
    o = OpenAI(rng, "gpt-4.1-mini-2025-04-14", 1767266745, era="2025", obfuscate=True,
               usage_null=True)
    toks = tokens(LONG_ANSWER, rng)
    s = o.delta(ROLE_TEXT)
    for t in toks:
        s += o.delta({"content": t})
    s += o.delta({}, finish="stop")
    s += o.usage_chunk(oai_usage(27, len(toks)))
    s += done()
    write("openai/obfuscation-long.sse", s)


def openai_error_midstream():
    rng = random.Random(109)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767267310)
    text = "Here is a draft of the release notes:\n\n## v2.4.0\n\n- Added"
    s = o.delta(ROLE_TEXT)
    for t in tokens(text, rng):
        s += o.delta({"content": t})
    s += data({"error": {"message": "The server had an error while processing your request. Sorry about that!",
                         "type": "server_error", "code": "server_error", "param": None}})
    write("openai/error-midstream.sse", s)


def openai_truncated():
    rng = random.Random(110)
    o = OpenAI(rng, "gpt-4o-mini-2024-07-18", 1767268004)
    text = "The three primary colours of light are red, green and"
    s = o.delta(ROLE_TEXT)
    for t in tokens(text, rng):
        s += o.delta({"content": t})
    last = o.delta({"content": " blue"})
    cut = last.index('"content"') + len('"content":" bl')
    s += last[:cut]  # connection dropped mid-event: no line end, no blank line, no [DONE]
    write("openai/truncated-mid-event.sse", s)

    rng = random.Random(111)
    o = OpenAI(rng, "gpt-4o-mini-2024-07-18", 1767268122)
    text = "Step 1: preheat the oven to 200 °C (180 °C fan)."
    s = o.delta(ROLE_TEXT)
    for t in tokens(text, rng):
        s += o.delta({"content": t})
    # ends after a complete event: no finish_reason, no [DONE]
    write("openai/truncated-after-event.sse", s)


def openai_json_escapes():
    rng = random.Random(112)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767268890)
    # Each entry is the raw JSON string body of one content delta (escapes written by hand).
    raw_parts = [
        r"Here are the strings you asked for:\n\n",
        r"1. A quote: She said \"hi\" and left.\n",
        r"2. A Windows path: C:\\Users\\",
        "Renée",  # literal UTF-8 (2-byte é)
        r"\\notes.txt\n",
        r"3. Escaped accents: caf\u00e9, na\u00efve, Zo\u00EB\n",
        r"4. Emoji as a surrogate pair: \ud83d\ude00",
        r" and literally: 😀 (4-byte UTF-8)\n",
        r"5. A tab:\tdone\n",
        r"6. An escaped URL: https:\/\/example.com\/a\/b\n",
        r"7. Other scripts: 日本語, Ελληνικά, עברית\n",
        r"8. Windows line end:\r\n",
        r"9. A lone backslash: ",
        r"\\",
        r"\n10. A line separator: [\u2028] and an ESC: [\u001b]",
    ]
    s = o.delta(ROLE_TEXT)
    decoded = ""
    for part in raw_parts:
        lit = '"' + part + '"'
        decoded += json.loads(lit)
        s += o.delta({"content": Raw(lit)})
    s += o.delta({}, finish="stop")
    s += o.usage_chunk(oai_usage(58, 121, details=True, audio=False))
    s += done()
    write("openai/json-escapes.sse", s)
    return decoded


def openai_legacy_function_call():
    rng = random.Random(113)
    o = OpenAI(rng, "gpt-3.5-turbo-0125", 1767269470)
    args = '{\n  "location": "Boston, MA",\n  "unit": "fahrenheit"\n}'
    frags = ['{\n', ' ', ' "', 'location', '":', ' "', 'Boston', ',', ' MA', '",\n', ' ',
             ' "', 'unit', '":', ' "', 'f', 'ahrenheit', '"\n', '}']
    assert "".join(frags) == args
    s = o.delta({"role": "assistant", "content": None,
                 "function_call": {"name": "get_weather", "arguments": ""}})
    for f in frags:
        s += o.delta({"function_call": {"arguments": f}})
    s += o.delta({}, finish="function_call")
    s += done()
    write("openai/legacy-function-call.sse", s)


def openai_finish_length():
    rng = random.Random(114)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767270020)
    text = ("The Peace of Westphalia (1648) ended the Thirty Years' War and is often "
            "cited as the")
    toks = tokens(text, rng, maxlen=99)
    toks = toks[:16]
    s = o.delta(ROLE_TEXT)
    for t in toks:
        s += o.delta({"content": t})
    s += o.delta({}, finish="length")
    s += o.usage_chunk(oai_usage(22, len(toks), details=True, audio=False))
    s += done()
    write("openai/finish-length.sse", s)


def openai_finish_content_filter():
    rng = random.Random(115)
    o = OpenAI(rng, "gpt-4o-2024-08-06", 1767270555)
    text = "The smuggler leaned closer and began to explain exactly how the"
    toks = tokens(text, rng)
    s = o.delta(ROLE_TEXT)
    for t in toks:
        s += o.delta({"content": t})
    s += o.delta({}, finish="content_filter")
    s += o.usage_chunk(oai_usage(140, len(toks), details=True, audio=False))
    s += done()
    write("openai/finish-content-filter.sse", s)


def moderation_results(rng):
    cats = ["harassment", "harassment/threatening", "sexual", "hate", "hate/threatening",
            "illicit", "illicit/violent", "self-harm/intent", "self-harm/instructions",
            "self-harm", "sexual/minors", "violence", "violence/graphic"]
    scores = {}
    for c in cats:
        scores[c] = Raw("%.6e" % (rng.uniform(1.0, 9.9) * 10 ** -rng.randint(4, 7)))
    return {"type": "moderation_results", "model": "omni-moderation-latest",
            "results": [{"type": "moderation_result", "model": "omni-moderation-latest",
                         "flagged": False, "categories": {c: False for c in cats},
                         "category_scores": scores,
                         "category_applied_input_types": {c: ["text"] for c in cats}}]}


def openai_moderation_after_usage():
    rng = random.Random(116)
    o = OpenAI(rng, "gpt-5-2025-08-07", 1767271203, era="2025", fp=None, logprobs_key=False,
               obfuscate=True, usage_null=True)
    text = "The capital of Portugal is Lisbon."
    toks = tokens(text, rng)
    s = o.delta(ROLE_TEXT)
    for t in toks:
        s += o.delta({"content": t})
    s += o.delta({}, finish="stop")
    s += o.usage_chunk(oai_usage(12, 75, reasoning=64))
    # a second `choices: []` chunk, after the usage chunk, carrying `usage: null`
    s += o.chunk([], extra={"moderation": {"input": moderation_results(rng),
                                           "output": moderation_results(rng)}})
    s += done()
    write("openai/moderation-after-usage.sse", s)


# --------------------------------------------------------------------------- Azure

AZ_SAFE = {"hate": {"filtered": False, "severity": "safe"},
           "self_harm": {"filtered": False, "severity": "safe"},
           "sexual": {"filtered": False, "severity": "safe"},
           "violence": {"filtered": False, "severity": "safe"}}

AZ_PROMPT = [{"prompt_index": 0, "content_filter_results": {
    "hate": {"filtered": False, "severity": "safe"},
    "jailbreak": {"filtered": False, "detected": False},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": False, "severity": "safe"}}}]


class Azure:
    """Azure OpenAI: keys in alphabetical order; a leading prompt-filter chunk."""

    def __init__(self, rng, model, created, obfuscate):
        self.rng = rng
        self.id = "chatcmpl-cw" + rstr(rng, 27)
        self.model = model
        self.created = created
        self.fp = "fp_cw" + rstr(rng, 8, HEX)
        self.obfuscate = obfuscate

    def prompt_filter(self):
        return data({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                     "prompt_filter_results": AZ_PROMPT})

    def chunk(self, choices, usage=None):
        c = {"choices": choices, "created": self.created, "id": self.id, "model": self.model}
        if self.obfuscate:
            c["obfuscation"] = rstr(self.rng, self.rng.randint(1, 15))
        c["object"] = "chat.completion.chunk"
        c["system_fingerprint"] = self.fp
        c["usage"] = usage
        return data(c)

    def delta(self, delta, cfr, finish=None):
        return self.chunk([{"content_filter_results": cfr, "delta": delta,
                            "finish_reason": finish, "index": 0, "logprobs": None}])


def az_usage(prompt, completion, cached=0):
    return {"completion_tokens": completion,
            "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0,
                                          "reasoning_tokens": 0, "rejected_prediction_tokens": 0},
            "prompt_tokens": prompt,
            "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": cached},
            "total_tokens": prompt + completion}


def azure_prompt_filter():
    rng = random.Random(201)
    a = Azure(rng, "gpt-4o-2024-11-20", 1767272400, obfuscate=True)
    text = "Mount Fuji is the tallest mountain in Japan, at 3,776 metres."
    toks = tokens(text, rng)
    s = a.prompt_filter()
    s += a.delta({"content": "", "refusal": None, "role": "assistant"}, {})
    for t in toks:
        s += a.delta({"content": t}, AZ_SAFE)
    s += a.delta({}, {}, finish="stop")
    s += a.chunk([], usage=az_usage(16, len(toks)))
    s += done()
    write("azure/prompt-filter-text.sse", s)


def annotation(check, start, end):
    return data({"choices": [{"content_filter_offsets": {"check_offset": check,
                                                         "start_offset": start,
                                                         "end_offset": end},
                              "content_filter_results": AZ_SAFE, "finish_reason": None,
                              "index": 0}],
                 "created": 0, "id": "", "model": "", "object": ""})


def azure_async_filter():
    rng = random.Random(202)
    a = Azure(rng, "gpt-4o-2024-11-20", 1767272966, obfuscate=False)
    text = "Old stone bridge—\nthe river carries the moon\nbeneath it, unbroken."
    toks = tokens(text, rng)
    s = a.prompt_filter()
    s += a.delta({"content": "", "refusal": None, "role": "assistant"}, {})
    offset = 0
    annotated = 0
    for n, t in enumerate(toks):
        # asynchronous filter mode: text deltas carry no content_filter_results yet
        s += a.chunk([{"delta": {"content": t}, "finish_reason": None, "index": 0,
                       "logprobs": None}])
        offset += len(t.encode("utf-8"))
        if n == 6:
            # annotation for the text so far: a choice with NO delta, in a chunk with
            # empty identity (id "", object "", created 0, model "")
            s += annotation(0, 0, offset)
            annotated = offset
    s += a.chunk([{"delta": {}, "finish_reason": "stop", "index": 0, "logprobs": None}])
    # the annotation for the rest arrives AFTER the finish chunk, with finish_reason null
    s += annotation(annotated, annotated, offset)
    s += a.chunk([], usage=az_usage(24, len(toks)))
    s += done()
    write("azure/async-filter.sse", s)


def azure_content_filter_finish():
    rng = random.Random(203)
    a = Azure(rng, "gpt-4o-2024-11-20", 1767273511, obfuscate=False)
    text = "The duel ended when the older knight drove his"
    toks = tokens(text, rng)
    s = a.prompt_filter()
    s += a.delta({"content": "", "refusal": None, "role": "assistant"}, {})
    for t in toks:
        s += a.delta({"content": t}, AZ_SAFE)
    flagged = dict(AZ_SAFE)
    flagged["violence"] = {"filtered": True, "severity": "medium"}
    s += a.delta({}, flagged, finish="content_filter")
    s += done()
    write("azure/content-filter-finish.sse", s)


# --------------------------------------------------------------------------- DeepSeek


class DeepSeek:
    def __init__(self, rng, model, created):
        self.rng = rng
        self.id = fake_uuid(rng)
        self.model = model
        self.created = created
        self.fp = "fp_cw" + rstr(rng, 8, HEX) + "_prod0820_fp8_kvcache"

    def delta(self, delta, finish=None, usage=None):
        return data({"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                     "model": self.model, "system_fingerprint": self.fp,
                     "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                  "finish_reason": finish}],
                     "usage": usage})


def ds_usage(prompt, completion, hit, reasoning=None):
    u = {"prompt_tokens": prompt, "completion_tokens": completion,
         "total_tokens": prompt + completion, "prompt_tokens_details": {"cached_tokens": hit}}
    if reasoning is not None:
        u["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    u["prompt_cache_hit_tokens"] = hit
    u["prompt_cache_miss_tokens"] = prompt - hit
    return u


def deepseek_reasoning():
    rng = random.Random(301)
    d = DeepSeek(rng, "deepseek-reasoner", 1767274800)
    reasoning = ("Test primes up to √221 ≈ 14.9: 7 × 31 = 217, no.\n"
                 "13 × 17 = 221. Composite.")
    answer = "No — 221 = **13 × 17**, so it is composite."
    rt, at = tokens(reasoning, rng), tokens(answer, rng)
    s = ": keep-alive\n\n: keep-alive\n\n"
    s += d.delta({"role": "assistant", "content": None, "reasoning_content": ""})
    for t in rt:
        s += d.delta({"content": None, "reasoning_content": t})
    for t in at:
        s += d.delta({"content": t, "reasoning_content": None})
    s += d.delta({"content": "", "reasoning_content": None}, finish="stop",
                 usage=ds_usage(14, len(rt) + len(at), 0, reasoning=len(rt)))
    s += done()
    write("deepseek/reasoning-content.sse", s)


def deepseek_tool_call():
    rng = random.Random(302)
    d = DeepSeek(rng, "deepseek-chat", 1767275390)
    args = '{"query": "connection pool sizing", "max_results": 5}'
    s = d.delta({"role": "assistant", "content": ""})
    s += d.delta({"tool_calls": [{"index": 0, "id": "call_00_cw" + rstr(rng, 22), "type": "function",
                                  "function": {"name": "search_docs", "arguments": ""}}]})
    for f in ['{"', 'query', '":', ' "', 'connection', ' pool', ' sizing', '",', ' "',
              'max', '_results', '":', ' ', '5', '}']:
        s += d.delta({"tool_calls": [{"index": 0, "function": {"arguments": f}}]})
    s += d.delta({"content": ""}, finish="tool_calls", usage=ds_usage(402, 26, 384))
    s += done()
    write("deepseek/tool-call.sse", s)


# --------------------------------------------------------------------------- Groq


class Groq:
    def __init__(self, rng, model, created):
        self.rng = rng
        self.id = "chatcmpl-" + fake_uuid(rng)
        self.req = "req_cw" + rstr(rng, 20, ALNUM_LOWER)
        self.model = model
        self.created = created
        self.fp = "fp_cw" + rstr(rng, 8, HEX)

    def delta(self, delta, finish=None, extra=None):
        c = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
             "model": self.model, "system_fingerprint": self.fp,
             "choices": [{"index": 0, "delta": delta, "logprobs": None,
                          "finish_reason": finish}]}
        if extra:
            c.update(extra)
        return data(c)

    def first(self, delta):
        return self.delta(delta, extra={"x_groq": {"id": self.req,
                                                   "seed": self.rng.randint(10**8, 2**31)}})

    def last(self, finish, prompt, completion, reasoning=None):
        u = {"queue_time": Raw("0.0%d" % self.rng.randint(10**7, 9 * 10**7)),
             "prompt_tokens": prompt,
             "prompt_time": Raw("0.00%d" % self.rng.randint(10**6, 9 * 10**6)),
             "completion_tokens": completion,
             "completion_time": Raw("%.9f" % (completion / 540.0)),
             "total_tokens": prompt + completion}
        u["total_time"] = Raw("%.9f" % (float(u["prompt_time"]) + float(u["completion_time"])))
        if reasoning is not None:
            u["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        return self.delta({}, finish=finish, extra={"x_groq": {"id": self.req, "usage": u},
                                                    "usage": u})


def groq_reasoning():
    rng = random.Random(401)
    g = Groq(rng, "qwen/qwen3-32b", 1767276001)
    reasoning = "Okay, C = (F − 32) × 5/9, so (72 − 32) × 5/9 ≈ 22.2."
    answer = "72 °F is about **22.2 °C**."
    rt, at = tokens(reasoning, rng), tokens(answer, rng)
    s = g.first({"role": "assistant", "content": ""})
    for t in rt:
        s += g.delta({"reasoning": t})
    for t in at:
        s += g.delta({"content": t})
    s += g.last("stop", 21, len(rt) + len(at), reasoning=len(rt))
    s += done()
    write("groq/reasoning.sse", s)


def groq_tool_calls():
    rng = random.Random(402)
    g = Groq(rng, "llama-3.3-70b-versatile", 1767276580)
    s = g.first({"role": "assistant", "content": None})
    # both calls whole, in ONE delta; `index` comes last in each entry
    s += g.delta({"tool_calls": [
        {"id": rstr(rng, 9, ALNUM_LOWER), "type": "function",
         "function": {"name": "get_weather", "arguments": '{"location":"Kyoto, Japan"}'},
         "index": 0},
        {"id": rstr(rng, 9, ALNUM_LOWER), "type": "function",
         "function": {"name": "get_weather", "arguments": '{"location":"Osaka, Japan"}'},
         "index": 1}]})
    s += g.last("tool_calls", 318, 41)
    s += done()
    write("groq/tool-calls-one-fragment.sse", s)


def groq_event_error():
    rng = random.Random(403)
    g = Groq(rng, "openai/gpt-oss-20b", 1767277123)
    reasoning = ("We need to call search_docs with the user's topic, pagination. "
                 "Provide the query.")
    s = g.first({"role": "assistant", "content": ""})
    for t in tokens(reasoning, rng):
        s += g.delta({"reasoning": t, "channel": "analysis"})
    err = {"error": {
        "message": "Tool call validation failed: parameters for tool search_docs did not match "
                   "schema: errors: [missing properties: 'query']",
        "type": "invalid_request_error", "code": "tool_use_failed",
        "failed_generation": '{"name": "search_docs", "arguments": {\n  "q": "pagination"\n}}',
        "status_code": 400}}
    s += "event: error\n" + data(err)  # no [DONE] follows
    write("groq/event-error.sse", s)


# --------------------------------------------------------------------------- OpenRouter

OR_COMMENT = ": OPENROUTER PROCESSING\n\n"


class OpenRouter:
    def __init__(self, rng, model, provider, created):
        self.rng = rng
        self.id = "gen-%d-cw%s" % (created, rstr(rng, 18))
        self.model = model
        self.provider = provider
        self.created = created

    def chunk(self, delta, finish=None, native=None, usage=None, error=None):
        c = {"id": self.id, "provider": self.provider}
        if error:
            c["error"] = error
        c.update({"model": self.model, "object": "chat.completion.chunk",
                  "created": self.created,
                  "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                               "native_finish_reason": native, "logprobs": None}]})
        if usage:
            c["usage"] = usage
        return data(c)


def openrouter_reasoning_cost():
    rng = random.Random(501)
    r = OpenRouter(rng, "deepseek/deepseek-r1-0528", "DeepInfra", 1767278400)
    reasoning = "10% of 80 is 8 and 5% is 4, so 15% is 12."
    answer = "15% of 80 is **12**."
    rt, at = tokens(reasoning, rng), tokens(answer, rng)
    s = OR_COMMENT * 3
    for n, t in enumerate(rt):
        s += r.chunk({"role": "assistant", "content": "", "reasoning": t,
                      "reasoning_details": [{"type": "reasoning.text", "text": t,
                                             "format": "unknown", "index": 0}]})
        if n in (3, 4, 9):
            s += OR_COMMENT  # keep-alives between events too
    for t in at:
        s += r.chunk({"role": "assistant", "content": t})
    s += r.chunk({"role": "assistant", "content": ""}, finish="stop", native="stop")
    comp = len(rt) + len(at)
    s += r.chunk({"role": "assistant", "content": ""}, usage={
        "prompt_tokens": 13, "completion_tokens": comp, "total_tokens": 13 + comp,
        "cost": Raw("0.00007355"), "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "cost_details": {"upstream_inference_cost": None,
                         "upstream_inference_prompt_cost": Raw("0.0000065"),
                         "upstream_inference_completions_cost": Raw("0.00006705")},
        "completion_tokens_details": {"reasoning_tokens": len(rt), "image_tokens": 0}})
    s += done()
    write("openrouter/reasoning-cost.sse", s)


def openrouter_error_chunk():
    rng = random.Random(502)
    r = OpenRouter(rng, "mistralai/mistral-small-3.2-24b-instruct", "Mistral", 1767279010)
    text = "Sure! Here's a packing list for a weekend hike:\n\n- Water (2 L)\n- Rain"
    s = OR_COMMENT
    for t in tokens(text, rng):
        s += r.chunk({"role": "assistant", "content": t})
    s += r.chunk({"role": "assistant", "content": ""}, finish="error",
                 error={"code": 502, "message": "Provider disconnected unexpectedly"})
    s += done()
    write("openrouter/error-chunk.sse", s)


# --------------------------------------------------------------------------- Mistral


class Mistral:
    def __init__(self, rng, model, created, logprobs_key=True):
        self.id = rstr(rng, 32, HEX)
        self.model = model
        self.created = created
        self.logprobs_key = logprobs_key

    def delta(self, delta, finish=None, usage=None):
        ch = {"index": 0, "delta": delta, "finish_reason": finish}
        if self.logprobs_key:
            ch["logprobs"] = None
        c = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
             "model": self.model, "choices": [ch]}
        if usage:
            c["usage"] = usage
        return data(c)


def ms_usage(p, c):
    return {"prompt_tokens": p, "total_tokens": p + c, "completion_tokens": c}


def mistral_thinking_parts():
    rng = random.Random(601)
    m = Mistral(rng, "magistral-medium-2509", 1767280200, logprobs_key=False)

    def think(t):
        return [{"type": "thinking", "thinking": [{"type": "text", "text": t}]}]

    s = m.delta({"role": "assistant", "content": think("The user asks for the plural of \"cactus\".")})
    s += m.delta({"content": think(" Both \"cacti\" and \"cactuses\" are standard;")})
    s += m.delta({"content": think(" \"cacti\" is more common in writing.")})
    s += m.delta({"content": [{"type": "text", "text": "Both are correct: **cacti**"}]})
    s += m.delta({"content": [{"type": "text", "text": " is the traditional Latin plural,"}]})
    s += m.delta({"content": " and **cactuses** is the anglicised one."})
    s += m.delta({"content": ""}, finish="stop", usage=ms_usage(11, 58))
    s += done()
    write("mistral/thinking-content-parts.sse", s)


def mistral_tool_call():
    rng = random.Random(602)
    m = Mistral(rng, "mistral-medium-2508", 1767280788)
    s = m.delta({"role": "assistant", "content": ""})
    s += m.delta({"content": None, "tool_calls": [
        {"id": rstr(rng, 9), "function": {"name": "get_weather",
                                          "arguments": "{\"location\": \"Lyon, France\"}"}}]},
        finish="tool_calls", usage=ms_usage(131, 19))
    s += done()
    write("mistral/tool-call-no-index.sse", s)


def mistral_parallel_tool_calls():
    rng = random.Random(603)
    m = Mistral(rng, "mistral-small-2506", 1767281350)
    s = m.delta({"role": "assistant", "content": ""})
    # two calls in one delta, told apart only by their position in the array
    s += m.delta({"content": None, "tool_calls": [
        {"id": rstr(rng, 9), "function": {"name": "search_docs",
                                          "arguments": "{\"query\": \"webhook signatures\"}"}},
        {"id": rstr(rng, 9), "function": {"name": "search_docs",
                                          "arguments": "{\"query\": \"webhook retries\"}"}}]},
        finish="tool_calls", usage=ms_usage(188, 44))
    s += done()
    write("mistral/parallel-tool-calls-no-index.sse", s)


# --------------------------------------------------------------------------- Perplexity


def perplexity_citations():
    rng = random.Random(701)
    pid = fake_uuid(rng)
    cites = ["https://en.wikipedia.org/wiki/James_Webb_Space_Telescope",
             "https://science.nasa.gov/mission/webb/",
             "https://www.esa.int/Science_Exploration/Space_Science/Webb",
             "https://webbtelescope.org/news"]
    pieces = ["The", " James Webb Space Telescope", " launched on", " **25 December 2021**",
              " aboard an", " Ariane 5 rocket", " from Kourou, French Guiana", "[1][3].",
              " It reached", " its orbit around", " the Sun–Earth L2 point", " about a month later,",
              " on 24 January 2022", "[2]."]
    s, comp, created = "", 0, 1767282000
    for n, p in enumerate(pieces):
        comp += max(1, len(p) // 5)
        if n == 7:
            created += 1
        s += data({"id": pid, "model": "sonar-pro", "created": created,
                   "usage": {"prompt_tokens": 9, "completion_tokens": comp,
                             "total_tokens": 9 + comp},
                   "citations": cites, "object": "chat.completion.chunk",
                   "choices": [{"index": 0, "delta": {"role": "assistant", "content": p}}]})
    s += data({"id": pid, "model": "sonar-pro", "created": created,
               "usage": {"prompt_tokens": 9, "completion_tokens": comp, "total_tokens": 9 + comp},
               "citations": cites, "object": "chat.completion.done",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                            "finish_reason": "stop"}]})
    s += done()
    write("perplexity/citations.sse", s)


# --------------------------------------------------------------------------- Anthropic


def anthropic_tool_index1():
    rng = random.Random(801)
    mid = "msg_01Cw" + rstr(rng, 20)
    created = 1767283200

    def ch(delta, finish=None):
        return data({"id": mid, "object": "chat.completion.chunk", "created": created,
                     "model": "claude-sonnet-4-5-20250929",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    s = ch({"role": "assistant"})
    for t in ["I'll search", " the docs", " for that."]:
        s += ch({"content": t})
    # the first (and only) tool call has index 1: index 0 was the text block
    s += ch({"tool_calls": [{"index": 1, "id": "toolu_01Cw" + rstr(rng, 18), "type": "function",
                             "function": {"name": "search_docs", "arguments": ""}}]})
    s += ch({"tool_calls": [{"index": 1, "function": {"arguments": ""}}]})
    for f in ['{"query": "ra', 'te limits', '", "max_re', 'sults": 3}']:
        s += ch({"tool_calls": [{"index": 1, "function": {"arguments": f}}]})
    s += ch({}, finish="tool_calls")
    s += "data: [DONE]\n"  # single LF: the last event is never terminated by a blank line
    write("anthropic-compat/text-then-tool-index1.sse", s)


# --------------------------------------------------------------------------- vLLM


def vllm_stop_reason():
    rng = random.Random(901)
    cid = "chatcmpl-cw" + rstr(rng, 14, HEX)
    model, created = "Qwen/Qwen2.5-7B-Instruct", 1767284000
    text = "Q: What is the boiling point of water at sea level?\nA: 100 °C (212 °F)."

    def ch(choices, **extra):
        c = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
             "choices": choices}
        c.update(extra)
        return data(c)

    toks = tokens(text, rng)
    s = ch([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
             "finish_reason": None}], prompt_token_ids=None, prompt_text=None)
    for t in toks:
        s += ch([{"index": 0, "delta": {"content": t}, "logprobs": None, "finish_reason": None,
                  "token_ids": None}])
    # stopped by the stop string "\nQ:" (not by EOS): stop_reason carries it
    s += ch([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop",
              "stop_reason": "\nQ:", "token_ids": None}])
    s += ch([], usage={"prompt_tokens": 38, "total_tokens": 38 + len(toks),
                       "completion_tokens": len(toks), "prompt_tokens_details": None},
            system_fingerprint="vllm-0.11.0-tp1-cw" + rstr(rng, 6, HEX))
    s += done()
    write("vllm/stop-reason-usage.sse", s)


# --------------------------------------------------------------------------- Ollama (CRLF)


def go_json(obj):
    """Go's encoding/json escapes <, > and & (HTML-safe) inside strings."""
    return enc(obj).replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def ollama_reasoning_crlf():
    rng = random.Random(1001)
    cid = "chatcmpl-%d" % rng.randint(100, 999)
    model, created = "gpt-oss:20b", 1767285000
    crlf = "\r\n"

    def ch(delta, finish=None):
        return data(go_json({"id": cid, "object": "chat.completion.chunk", "created": created,
                             "model": model, "system_fingerprint": "fp_ollama",
                             "choices": [{"index": 0, "delta": delta,
                                          "finish_reason": finish}]}), crlf)

    reasoning = "User wants a haiku about autumn rain & tea. Keep 5-7-5."
    answer = "Cold rain on the roof\nmaple leaves drift down the gutter\nthe kettle answers"
    rt, at = tokens(reasoning, rng), tokens(answer, rng)
    s = ""
    for t in rt:
        s += ch({"role": "assistant", "content": "", "reasoning": t})
    for t in at:
        s += ch({"role": "assistant", "content": t})
    s += ch({"role": "assistant", "content": ""}, finish="stop")
    comp = len(rt) + len(at)
    s += data({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
               "system_fingerprint": "fp_ollama", "choices": [],
               "usage": {"prompt_tokens": 74, "completion_tokens": comp,
                         "total_tokens": 74 + comp}}, crlf)
    s += done(crlf)
    write("ollama/reasoning-crlf.sse", s)


def ollama_tool_call_crlf():
    rng = random.Random(1002)
    cid = "chatcmpl-%d" % rng.randint(100, 999)
    model, created = "qwen3:8b", 1767285600
    crlf = "\r\n"

    def ch(delta, finish=None):
        return data({"id": cid, "object": "chat.completion.chunk", "created": created,
                     "model": model, "system_fingerprint": "fp_ollama",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}, crlf)

    s = ch({"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_" + rstr(rng, 8, ALNUM_LOWER), "index": 0, "type": "function",
         "function": {"name": "get_weather",
                      "arguments": "{\"location\":\"Reykjavík, Iceland\",\"unit\":\"celsius\"}"}}]})
    s += ch({"role": "assistant", "content": ""}, finish="tool_calls")
    s += done(crlf)
    write("ollama/tool-call-crlf.sse", s)


# --------------------------------------------------------------------------- llama.cpp


class LlamaCpp:
    def __init__(self, rng, model, created):
        self.rng = rng
        self.id = "chatcmpl-cw" + rstr(rng, 30)
        self.model = model
        self.created = created
        self.fp = "b6990-cw" + rstr(rng, 6, HEX)

    def chunk(self, choices, **extra):
        c = {"choices": choices, "created": self.created, "id": self.id, "model": self.model,
             "system_fingerprint": self.fp, "object": "chat.completion.chunk"}
        c.update(extra)
        return data(c)

    def delta(self, delta, finish=None, **extra):
        return self.chunk([{"finish_reason": finish, "index": 0, "delta": delta}], **extra)


def timings(prompt_n, prompt_ms, predicted_n, predicted_ms, cache_n=0):
    # doubles printed in shortest round-trip form, as nlohmann::json does
    return {"cache_n": cache_n, "prompt_n": prompt_n, "prompt_ms": prompt_ms,
            "prompt_per_token_ms": prompt_ms / prompt_n,
            "prompt_per_second": 1000.0 * prompt_n / prompt_ms,
            "predicted_n": predicted_n, "predicted_ms": predicted_ms,
            "predicted_per_token_ms": predicted_ms / predicted_n,
            "predicted_per_second": 1000.0 * predicted_n / predicted_ms}


def llamacpp_text_timings():
    rng = random.Random(1101)
    l = LlamaCpp(rng, "Qwen3-8B-Q4_K_M.gguf", 1767286200)
    reasoning = "Short answer needed: the speed of light in vacuum."
    answer = "About 299,792 km/s (exactly 299,792,458 m/s)."
    rt, at = tokens(reasoning, rng), tokens(answer, rng)
    s = l.delta({"role": "assistant", "content": None})
    for t in rt:
        s += l.delta({"reasoning_content": t})
    for t in at:
        s += l.delta({"content": t})
    s += l.delta({}, finish="stop")
    comp = len(rt) + len(at) + 2
    # include_usage: the usage chunk is last, so it carries `timings`
    s += l.chunk([], usage={"completion_tokens": comp, "prompt_tokens": 29,
                            "total_tokens": 29 + comp,
                            "prompt_tokens_details": {"cached_tokens": 0}},
                 timings=timings(29, 61.274, comp, 689.91))
    s += done()
    write("llamacpp/text-timings.sse", s)


def llamacpp_tool_calls_no_index():
    rng = random.Random(1102)
    l = LlamaCpp(rng, "Llama-3.2-3B-Instruct-Q8_0.gguf", 1767286777)
    calls = [("get_weather", '{"location": "Seattle, WA"}'),
             ("search_docs", '{"query": "umbrella policy", "max_results": 2}')]
    s = l.delta({"role": "assistant", "content": None})
    for name, args in calls:
        # no `index` anywhere: a fragment with an id opens a new call, later fragments
        # (arguments only) continue the most recent one
        s += l.delta({"tool_calls": [{"id": rstr(rng, 32), "type": "function",
                                      "function": {"name": name, "arguments": ""}}]})
        for f in split_json(args, rng, 3, 9):
            s += l.delta({"tool_calls": [{"function": {"arguments": f}}]})
    # no include_usage: the finish chunk is last, so it carries `timings`
    s += l.delta({}, finish="tool_calls", timings=timings(245, 318.6, 38, 402.17, cache_n=0))
    s += done()
    write("llamacpp/tool-calls-no-index.sse", s)


# --------------------------------------------------------------------------- framing


def simple_stream(rng, text, model="gpt-4o-mini-2024-07-18", created=1767290000):
    o = OpenAI(rng, model, created)
    evs = [o.delta(ROLE_TEXT)]
    for t in tokens(text, rng):
        evs.append(o.delta({"content": t}))
    evs.append(o.delta({}, finish="stop"))
    return o, evs


def payload(ev):
    """The JSON text of a `data: X\\n\\n` event built by data()."""
    assert ev.startswith("data: ") and ev.endswith("\n\n")
    return ev[len("data: "):-2]


def framing_bom():
    rng = random.Random(1201)
    _, evs = simple_stream(rng, "A byte order mark opened this stream.", created=1767290100)
    s = "\ufeff" + "".join(evs) + done()
    write("framing/bom.sse", s)


def framing_retry_id():
    rng = random.Random(1202)
    _, evs = simple_stream(rng, "Reconnect after 3 seconds if this drops.", created=1767290200)
    s = "retry: 3000\n\n"  # a block with no data dispatches nothing, but sets the delay
    for n, e in enumerate(evs):
        if n == 2:
            s += "retry: soon\n"  # not all ASCII digits: ignored
        if n == 4:
            s += "id\n"  # `id` with no colon: empty value, resets the last event id
        else:
            s += "id: evt-%04d\n" % (n + 1)
        s += e
    s += "id: evt-done\n" + done()
    write("framing/retry-id.sse", s)


def framing_multiline_data():
    rng = random.Random(1203)
    _, evs = simple_stream(rng, "Pretty-printed JSON is still JSON.", created=1767290300)
    s = ""
    for n, e in enumerate(evs):
        if n in (0, 3, len(evs) - 1):
            # the chunk pretty-printed, one `data:` line per output line
            pretty = json.dumps(json.loads(payload(e)), indent=2, ensure_ascii=False)
            s += "".join("data: " + line + "\n" for line in pretty.split("\n")) + "\n"
        elif n == 2:
            # split in two lines mid-object; `data` with no colon adds an empty line
            p = payload(e)
            cut = p.index('"choices"')
            s += "data: " + p[:cut] + "\ndata\ndata:" + p[cut:] + "\n\n"
        else:
            s += e
    s += done()
    write("framing/multiline-data.sse", s)


def framing_cr_only():
    rng = random.Random(1204)
    _, evs = simple_stream(rng, "Every line here ends with a bare carriage return.",
                           created=1767290400)
    s = "".join(evs) + done()
    write("framing/cr-only.sse", s.replace("\n", "\r"))


def framing_mixed_line_ends():
    rng = random.Random(1205)
    _, evs = simple_stream(rng, "CR, LF and CRLF can all end a line, even in one stream.",
                           created=1767290500)
    ends = ["\r\n", "\n", "\r"]
    s = ""
    for n, e in enumerate(evs + [done()]):
        a, b = ends[n % 3], ends[(n + 1) % 3]
        s += "data: " + payload(e) + a + b  # line end, then a blank line of another kind
    write("framing/mixed-line-ends.sse", s)


def framing_comments_unknown_event():
    rng = random.Random(1206)
    _, evs = simple_stream(rng, "Comments and unknown events are not chunks.",
                           created=1767290600)
    s = ": this stream starts with a comment\n:\n\n"
    for n, e in enumerate(evs):
        if n == 1:
            s += "event: ping\ndata: {\"type\":\"ping\",\"ts\":1767290600}\n\n"
        if n == 2:
            s += ":keep-alive (no space after the colon)\n\n"
        if n == 3:
            s += "event: message\n" + e  # the default type, spelled out
            continue
        if n == 4:
            s += "event: heartbeat\n\n"  # no data: nothing is dispatched
            s += "foo: bar\n"  # unknown field, ignored (the event below is unaffected)
        if n == 5:
            s += ": a comment inside an event\n" + e
            continue
        s += e
    s += done()
    write("framing/comments-unknown-event.sse", s)


def framing_invalid_json_event():
    rng = random.Random(1208)
    _, evs = simple_stream(rng, "One event in the middle was mangled by a proxy.",
                           created=1767290800)
    s = ""
    for n, e in enumerate(evs):
        if n == 5:
            p = payload(e)
            # a complete event whose JSON was cut short: DELIBERATELY invalid
            s += "data: " + p[: p.index('"choices"') + 14] + "\n\n"
            continue
        s += e
    s += done()
    write("framing/invalid-json-event.sse", s)


def framing_space_variants():
    rng = random.Random(1207)
    _, evs = simple_stream(rng, "Only one space after the colon is stripped.",
                           created=1767290700)
    s = ""
    for n, e in enumerate(evs):
        p = payload(e)
        if n % 3 == 1:
            s += "data:" + p + "\n\n"  # no space
        elif n % 3 == 2:
            s += "data:  " + p + "\n\n"  # two spaces: the second is part of the value
        else:
            s += e
    s += "data:[DONE]\n\n"
    write("framing/space-variants.sse", s)


# --------------------------------------------------------------------------- checker


def sse_events(raw):
    """Minimal WHATWG event-stream parser, for checking the files (not used by chunkwise)."""
    text = raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = re.split(r"\r\n|\r|\n", text)
    # the last element is what follows the final line end: an unterminated line
    complete, tail = lines[:-1], lines[-1]
    events, buf, etype, last_id = [], [], "", ""
    for line in complete:
        if line == "":
            if buf:
                events.append((etype or "message", "\n".join(buf), last_id))
            buf, etype = [], ""
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            buf.append(value)
        elif field == "event":
            etype = value
        elif field == "id" and "\0" not in value:
            last_id = value
    return events, bool(buf) or tail != ""


# files that deliberately carry dispatched events whose data is not valid JSON
EXPECTED_BAD_JSON = {"framing/invalid-json-event.sse": 1}


def check():
    ok = True
    for root, _, files in sorted(os.walk(HERE)):
        for f in sorted(files):
            if not f.endswith(".sse"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, HERE)
            raw = open(path, "rb").read()
            events, pending = sse_events(raw)
            bad, kinds, contents = 0, set(), {}
            for etype, payload_, _ in events:
                kinds.add(etype)
                if payload_ == "[DONE]":
                    continue
                try:
                    obj = json.loads(payload_)
                except ValueError as e:
                    bad += 1
                    print("  invalid JSON in %s: %s" % (rel, e))
                    continue
                for ch in obj.get("choices") or []:
                    d = ch.get("delta") or {}
                    c = d.get("content")
                    if isinstance(c, list):
                        c = "".join(p.get("text", "") for p in c)
                    if c:
                        contents[ch.get("index", 0)] = contents.get(ch.get("index", 0), "") + c
            ends = ("CRLF" if b"\r\n" in raw else "") + (" CR" if re.search(rb"\r(?!\n)", raw) else "") \
                + (" LF" if re.search(rb"(?<!\r)\n", raw) else "")
            done_ = any(p == "[DONE]" for _, p, _ in events)
            print("%-46s %7d B %4d ev%s%s%s [%s] types=%s" % (
                rel, len(raw), len(events), " DONE" if done_ else " no-DONE",
                " PENDING-TAIL" if pending else "", " BOM" if raw.startswith(b"\xef\xbb\xbf") else "",
                ends.strip(), ",".join(sorted(kinds))))
            for i, c in sorted(contents.items()):
                short = c if len(c) < 150 else c[:150] + "…"
                print("    [%d] %r" % (i, short))
            if bad != EXPECTED_BAD_JSON.get(rel, 0):
                print("  UNEXPECTED: %d invalid JSON event(s) in %s" % (bad, rel))
                ok = False
    return ok


def main():
    if "--check" in sys.argv:
        sys.exit(0 if check() else 1)
    for fn in [openai_plain_text, openai_include_usage, openai_parallel_tool_calls,
               openai_text_then_tool_call, openai_refusal, openai_n2_choices, openai_logprobs,
               openai_obfuscation_long, openai_error_midstream, openai_truncated,
               openai_json_escapes, openai_legacy_function_call, openai_finish_length,
               openai_finish_content_filter, openai_moderation_after_usage,
               azure_prompt_filter, azure_async_filter, azure_content_filter_finish,
               deepseek_reasoning, deepseek_tool_call,
               groq_reasoning, groq_tool_calls, groq_event_error,
               openrouter_reasoning_cost, openrouter_error_chunk,
               mistral_thinking_parts, mistral_tool_call, mistral_parallel_tool_calls,
               perplexity_citations, anthropic_tool_index1, vllm_stop_reason,
               ollama_reasoning_crlf, ollama_tool_call_crlf,
               llamacpp_text_timings, llamacpp_tool_calls_no_index,
               framing_bom, framing_retry_id, framing_multiline_data, framing_cr_only,
               framing_mixed_line_ends, framing_comments_unknown_event,
               framing_invalid_json_event, framing_space_variants]:
        fn()
    print("wrote %d files" % len(FILES))


if __name__ == "__main__":
    main()
