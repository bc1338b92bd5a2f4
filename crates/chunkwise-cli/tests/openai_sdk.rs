//! Checked against a client no one here wrote: the official `openai` Python SDK streams
//! every `testdata/` recording from `chunkwise serve` (tests/openai_sdk.py) and its final
//! completion must equal `chunkwise chat --json FILE` on the fields the SDK models.
//!
//! Runs when a Python with `openai` is found: `$CHUNKWISE_PYTHON`, else
//! `TARGET/sdk-venv/bin/python` (TARGET: the build folder this test was built in, where
//! `.ci/run` creates that virtual environment). Otherwise it says so and passes.
//!
//! Where the SDK and chunkwise part ways, the table [`KNOWN`] says why; every other
//! recording must give the same completion. An error the provider reports in the stream
//! must make the SDK raise, and chunkwise must report that error too.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chunkwise::chat::simd_json::prelude::*;
use chunkwise::chat::simd_json::{self, OwnedValue, StaticNode};

mod common;
use common::{BIN, Server, recordings, stem};

/// What the SDK does differently on a recording, and why.
#[derive(Clone, Copy, Debug)]
enum Known {
    /// The stream carries a provider error: the SDK must raise `APIError` with the
    /// error's message, and chunkwise must report that message.
    ProviderError,
    /// The SDK raises this exception class where chunkwise reads the stream through.
    /// (Should a later SDK stop raising, its completion must then be the same.)
    SdkRaises(&'static str, &'static str),
    /// The SDK's completion differs under these paths (prefixes).
    SdkDiffers(&'static [&'static str], &'static str),
}

const ROLE_REPEATED: &str = "role is repeated in every delta and the SDK's accumulator \
                             concatenates strings, so the role becomes assistantassistant...";

const KNOWN: &[(&str, Known)] = &[
    ("error-midstream", Known::ProviderError),
    ("event-error", Known::ProviderError),
    ("error-chunk", Known::ProviderError),
    (
        "invalid-json-event",
        Known::SdkRaises(
            "JSONDecodeError",
            "the SDK stops at an event whose data is not JSON; chunkwise reports that event \
             and reads on",
        ),
    ),
    (
        "comments-unknown-event",
        Known::SdkRaises(
            "JSONDecodeError",
            "the SDK dispatches `event: heartbeat` without data as an event with empty data \
             and fails to parse it (WHATWG dispatches no event when the data buffer is empty)",
        ),
    ),
    (
        "retry-id",
        Known::SdkRaises(
            "JSONDecodeError",
            "the SDK dispatches a block holding only `retry: 3000` as an event with empty \
             data and fails to parse it (WHATWG dispatches no event when the data buffer is \
             empty)",
        ),
    ),
    (
        "text-then-tool-index1",
        Known::SdkRaises(
            "IndexError",
            "the SDK indexes its tool-call list by `index`, so a first call with index 1 \
             (no index 0) fails",
        ),
    ),
    (
        "tool-calls-no-index",
        Known::SdkRaises(
            "TypeError",
            "the SDK needs `index` on every tool-call delta",
        ),
    ),
    (
        "parallel-tool-calls-no-index",
        Known::SdkRaises(
            "TypeError",
            "the SDK needs `index` on every tool-call delta",
        ),
    ),
    (
        "tool-call-no-index",
        Known::SdkRaises(
            "TypeError",
            "the SDK needs `index` on every tool-call delta",
        ),
    ),
    (
        "thinking-content-parts",
        Known::SdkRaises(
            "RuntimeError",
            "the SDK cannot accumulate `content` sent as an array of parts",
        ),
    ),
    (
        "n2-choices",
        Known::SdkRaises(
            "IndexError",
            "the SDK builds its first snapshot by choice index, so a stream whose first \
             chunk is for choice 1 fails",
        ),
    ),
    (
        "bom",
        Known::SdkDiffers(
            &["choices[0].message.role"],
            "the SDK does not strip the UTF-8 BOM, so the first field name is \\u{feff}data, \
             ignored: the first event (the role chunk) is lost",
        ),
    ),
    (
        "reasoning-crlf",
        Known::SdkDiffers(&["choices[0].message.role"], ROLE_REPEATED),
    ),
    (
        "tool-call-crlf",
        Known::SdkDiffers(&["choices[0].message.role"], ROLE_REPEATED),
    ),
    (
        "reasoning-cost",
        Known::SdkDiffers(&["choices[0].message.role"], ROLE_REPEATED),
    ),
    (
        "citations",
        Known::SdkDiffers(
            &[
                "choices[0].message.role",
                "choices[0].message.content",
                "choices[0].finish_reason",
            ],
            "role repeated in every delta (see above), and the SDK's stream helper drops \
             chunks whose object is not chat.completion.chunk: the last one, \
             chat.completion.done, carries the last words and finish_reason stop",
        ),
    ),
    (
        "moderation-after-usage",
        Known::SdkDiffers(
            &["usage"],
            "the SDK takes usage from the last chunk, and a moderation chunk with \
             usage: null follows the usage chunk",
        ),
    ),
];

/// The fields compared (the SDK's `ChatCompletion` model, where chunkwise writes them
/// too), `[]` standing for any array index.
const FIELDS: &[&str] = &[
    "id",
    "object",
    "created",
    "model",
    "system_fingerprint",
    "service_tier",
    "choices[].index",
    "choices[].finish_reason",
    "choices[].message.role",
    "choices[].message.content",
    "choices[].message.refusal",
    "choices[].message.tool_calls[].id",
    "choices[].message.tool_calls[].type",
    "choices[].message.tool_calls[].function.name",
    "choices[].message.tool_calls[].function.arguments",
    "choices[].message.function_call.name",
    "choices[].message.function_call.arguments",
    "choices[].logprobs.content[].token",
    "choices[].logprobs.content[].logprob",
    "choices[].logprobs.content[].bytes[]",
    "choices[].logprobs.content[].top_logprobs[].token",
    "choices[].logprobs.content[].top_logprobs[].logprob",
    "choices[].logprobs.content[].top_logprobs[].bytes[]",
    "choices[].logprobs.refusal[].token",
    "choices[].logprobs.refusal[].logprob",
    "usage.prompt_tokens",
    "usage.completion_tokens",
    "usage.total_tokens",
    "usage.prompt_tokens_details.cached_tokens",
    "usage.prompt_tokens_details.audio_tokens",
    "usage.completion_tokens_details.reasoning_tokens",
    "usage.completion_tokens_details.audio_tokens",
    "usage.completion_tokens_details.accepted_prediction_tokens",
    "usage.completion_tokens_details.rejected_prediction_tokens",
];

/// The Python to run, if one with `openai` is there.
fn python() -> Result<PathBuf, String> {
    let python = match std::env::var_os("CHUNKWISE_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            // BIN is TARGET/PROFILE/chunkwise (or TARGET/TRIPLE/PROFILE/chunkwise).
            let candidates: Vec<PathBuf> = Path::new(BIN)
                .ancestors()
                .skip(2)
                .take(2)
                .map(|target| target.join("sdk-venv/bin/python"))
                .collect();
            candidates
                .iter()
                .find(|p| p.exists())
                .cloned()
                .ok_or_else(|| format!("no Python found at {candidates:?}"))?
        }
    };
    let check = Command::new(&python)
        .args(["-c", "import openai; print(openai.__version__)"])
        .output()
        .map_err(|e| format!("cannot run {python:?}: {e}"))?;
    if !check.status.success() {
        return Err(format!(
            "{python:?} cannot import openai: {}",
            String::from_utf8_lossy(&check.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    eprintln!(
        "openai_sdk: {python:?} with openai {}",
        String::from_utf8_lossy(&check.stdout).trim()
    );
    Ok(python)
}

/// A child process killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn parse(json: &[u8]) -> OwnedValue {
    let mut copy = json.to_vec();
    simd_json::to_owned_value(&mut copy)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(json)))
}

/// The compared leaves of a completion: path -> canonical value. Nulls are left out
/// (absent and null are the same to both), numbers compare as f64.
fn fields(value: &OwnedValue) -> BTreeMap<String, String> {
    fn walk(
        v: &OwnedValue,
        path: &mut String,
        pattern: &mut String,
        out: &mut BTreeMap<String, String>,
    ) {
        let leaf = match v {
            OwnedValue::Static(StaticNode::Null) => return,
            OwnedValue::Static(StaticNode::Bool(b)) => b.to_string(),
            OwnedValue::Static(StaticNode::I64(n)) => format!("{:?}", *n as f64),
            OwnedValue::Static(StaticNode::U64(n)) => format!("{:?}", *n as f64),
            OwnedValue::Static(StaticNode::F64(n)) => format!("{n:?}"),
            OwnedValue::String(s) => format!("{s:?}"),
            OwnedValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let (p, q) = (path.len(), pattern.len());
                    path.push_str(&format!("[{i}]"));
                    pattern.push_str("[]");
                    walk(item, path, pattern, out);
                    path.truncate(p);
                    pattern.truncate(q);
                }
                return;
            }
            OwnedValue::Object(members) => {
                for (key, item) in members.iter() {
                    let (p, q) = (path.len(), pattern.len());
                    for s in [&mut *path, &mut *pattern] {
                        if !s.is_empty() {
                            s.push('.');
                        }
                        s.push_str(key);
                    }
                    walk(item, path, pattern, out);
                    path.truncate(p);
                    pattern.truncate(q);
                }
                return;
            }
        };
        if FIELDS.contains(&pattern.as_str()) {
            out.insert(path.clone(), leaf);
        }
    }
    let mut out = BTreeMap::new();
    walk(value, &mut String::new(), &mut String::new(), &mut out);
    out
}

/// The paths where two field maps differ.
fn differences(sdk: &BTreeMap<String, String>, ours: &BTreeMap<String, String>) -> Vec<String> {
    let mut paths: Vec<&String> = sdk.keys().chain(ours.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| sdk.get(*p) != ours.get(*p))
        .map(|p| {
            let show = |m: &BTreeMap<String, String>| {
                let v = m.get(p).map_or("(none)", String::as_str);
                if v.chars().count() > 120 {
                    format!("{}...", v.chars().take(120).collect::<String>())
                } else {
                    v.to_owned()
                }
            };
            format!("{p}: sdk {} / chunkwise {}", show(sdk), show(ours))
        })
        .collect()
}

/// Streams every recording with the SDK from a `chunkwise serve --chunking CHUNKING`:
/// one JSON result per recording (see tests/openai_sdk.py).
fn sdk_results(python: &Path, files: &[PathBuf], chunking: &str) -> Vec<OwnedValue> {
    let server = Server::start(&["--chunking", chunking], files);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openai_sdk.py");
    let mut sdk = Killed(
        Command::new(python)
            .arg(&script)
            .arg(format!("{}/v1", server.base))
            .args(files.iter().map(|f| stem(f)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the SDK script starts"),
    );
    // Read its output on a thread, so a hung script ends the test instead of hanging it.
    let mut stdout = sdk.0.stdout.take().expect("stdout");
    let mut stderr = sdk.0.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        (out, err)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = sdk.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the SDK script did not finish in 180 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = reader.join().expect("reader thread");
    assert!(status.success(), "the SDK script failed: {err}");

    let results: Vec<OwnedValue> = out.lines().map(|l| parse(l.as_bytes())).collect();
    assert_eq!(
        results.len(),
        files.len(),
        "one line per recording:\n{out}\n{err}"
    );
    results
}

#[test]
fn the_official_openai_sdk_reaches_the_same_final_completion() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!(
                "SKIPPED openai_sdk: {why}. Set CHUNKWISE_PYTHON to a Python with openai, \
                 or run .ci/run, which creates TARGET/sdk-venv."
            );
            return;
        }
    };
    let files = recordings();
    // Whole, and in pieces of 1 to 64 bytes (the SDK's own SSE parser across splits).
    for chunking in ["whole", "random:7"] {
        let results = sdk_results(&python, &files, chunking);
        compare(&files, &results, chunking);
    }
}

fn compare(files: &[PathBuf], results: &[OwnedValue], chunking: &str) {
    let mut failures = Vec::new();
    let (mut same, mut compared) = (0, 0);
    for (file, result) in files.iter().zip(results) {
        let name = stem(file).to_owned();
        assert_eq!(
            result.get("model").and_then(|v| v.as_str()),
            Some(name.as_str())
        );
        let ours = Command::new(BIN)
            .args(["chat", "--json"])
            .arg(file)
            .output()
            .expect("chunkwise chat --json runs");
        assert!(ours.status.success());
        let our_errors = String::from_utf8_lossy(&ours.stderr);
        let known = KNOWN.iter().find(|(n, _)| *n == name).map(|(_, k)| *k);
        let raised = result.get("raised").and_then(|v| v.as_str());
        let message = result.get("message").and_then(|v| v.as_str()).unwrap_or("");

        match (known, raised) {
            (Some(Known::ProviderError), Some("APIError")) => {
                if !our_errors.contains(message) {
                    failures.push(format!(
                        "{name}: the SDK raised APIError({message:?}), chunkwise reported: {our_errors}"
                    ));
                }
                continue;
            }
            (Some(Known::ProviderError), _) => {
                failures.push(format!(
                    "{name}: the stream reports a provider error, the SDK should raise APIError \
                     (raised: {raised:?} {message})"
                ));
                continue;
            }
            (Some(Known::SdkRaises(class, why)), Some(r)) if r == class => {
                eprintln!("openai_sdk: {name}: the SDK raises {class} ({message}): {why}");
                if class == "JSONDecodeError"
                    && name == "invalid-json-event"
                    && !our_errors.contains("chunkwise: ")
                {
                    failures.push(format!("{name}: chunkwise reported no error"));
                }
                continue;
            }
            (_, Some(r)) => {
                failures.push(format!("{name}: the SDK raised {r}: {message}"));
                continue;
            }
            (_, None) => {}
        }
        if let Some(Known::SdkRaises(class, _)) = known {
            eprintln!("openai_sdk: {name}: the SDK no longer raises {class}");
        }
        if let Some(final_raised) = result.get("final_raised").and_then(|v| v.as_str()) {
            eprintln!(
                "openai_sdk: {name}: get_final_completion() raised {final_raised}; compared the SDK's snapshot"
            );
        }
        let (theirs, ours) = (
            fields(result.get("completion").expect("a completion")),
            fields(&parse(&ours.stdout)),
        );
        compared += ours.len();
        let diffs = differences(&theirs, &ours);
        match known {
            Some(Known::SdkDiffers(prefixes, why)) => {
                let (expected, unexpected): (Vec<_>, Vec<_>) = diffs
                    .into_iter()
                    .partition(|d| prefixes.iter().any(|p| d.starts_with(p)));
                if expected.is_empty() {
                    eprintln!("openai_sdk: {name}: the SDK no longer differs ({why})");
                } else {
                    eprintln!("openai_sdk: {name}: the SDK differs on {prefixes:?}: {why}");
                }
                if !unexpected.is_empty() {
                    failures.push(format!("{name}:\n  {}", unexpected.join("\n  ")));
                }
            }
            _ if diffs.is_empty() => same += 1,
            _ => failures.push(format!("{name}:\n  {}", diffs.join("\n  "))),
        }
    }
    assert!(
        failures.is_empty(),
        "the SDK and chunkwise disagree (--chunking {chunking}):\n{}",
        failures.join("\n")
    );
    eprintln!(
        "openai_sdk: --chunking {chunking}: {same} of {} recordings give the same completion \
         ({compared} fields compared)",
        files.len()
    );
    assert!(same >= 25, "only {same} recordings compared equal");
    assert!(compared >= 30 * 10, "only {compared} fields compared");
}
