"""Streams recordings from `chunkwise serve` with the official `openai` Python SDK.

usage: openai_sdk.py BASE_URL MODEL...

For each MODEL (a recording's file stem), streams a chat completion with the SDK's own
streaming helper, `client.chat.completions.stream(...)` (which accumulates the chunks
with `ChatCompletionStreamState`), and prints one JSON line:

    {"model": MODEL, "completion": <get_final_completion(), as JSON>}

`get_final_completion()` refuses a completion that stopped for `length` or
`content_filter` (it raises); then the accumulated snapshot is printed instead, with
the exception's name:

    {"model": MODEL, "completion": <current_completion_snapshot>, "final_raised": NAME}

When the SDK raises while streaming:

    {"model": MODEL, "raised": "<exception class>", "message": "<its message>"}

Used by tests/openai_sdk.rs, which compares the completions with
`chunkwise chat --json FILE`.
"""

import json
import sys
import warnings

import openai

# Pydantic warns when it dumps content it did not expect (e.g. content parts).
warnings.simplefilter("ignore")


def stream(client: openai.OpenAI, model: str) -> dict:
    with client.chat.completions.stream(
        model=model,
        messages=[{"role": "user", "content": "hi"}],
        stream_options={"include_usage": True},
    ) as events:
        for _event in events:
            pass
        try:
            completion = events.get_final_completion()
        except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as e:
            snapshot = events.current_completion_snapshot
            return {
                "completion": snapshot.model_dump(mode="json"),
                "final_raised": type(e).__name__,
            }
        return {"completion": completion.model_dump(mode="json")}


def main() -> None:
    base_url, models = sys.argv[1], sys.argv[2:]
    client = openai.OpenAI(base_url=base_url, api_key="x", max_retries=0, timeout=60)
    for model in models:
        try:
            line = {"model": model, **stream(client, model)}
        except Exception as e:  # what the SDK raises is the result
            line = {"model": model, "raised": type(e).__name__, "message": str(e)}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
