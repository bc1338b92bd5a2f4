//! Golden tests: every stream in `testdata/` through every subcommand, under several
//! splits, compared byte for byte with the expected outputs stored beside it:
//! `NAME.events.jsonl`, `NAME.chunks.jsonl`, `NAME.completion.json` (`chat --json`)
//! and `NAME.chat.txt` (`chat`), and `NAME.partial.txt` (`chat --partial`) for the
//! streams where `--partial` shows more than `chat` (those with tool-call arguments).
//!
//! After a deliberate change of output, regenerate the expectations with
//! `CHUNKWISE_BLESS=1 cargo test -p chunkwise-cli --test golden` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

const SPLITS: &[&str] = &["whole", "1", "7", "1460", "random:1", "random:2"];

/// (subcommand arguments, expected file suffix)
const OUTPUTS: &[(&[&str], &str)] = &[
    (&["events"], "events.jsonl"),
    (&["chunks"], "chunks.jsonl"),
    (&["chat", "--json"], "completion.json"),
    (&["chat"], "chat.txt"),
    (&["chat", "--partial"], "partial.txt"),
];

fn streams(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("testdata is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            streams(&path, out);
        } else if path.extension().is_some_and(|e| e == "sse") {
            out.push(path);
        }
    }
}

fn run(args: &[&str], split: &str, file: &Path) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_chunkwise"))
        .args(args)
        .args(["--split", split])
        .arg(file)
        .output()
        .expect("chunkwise runs");
    assert!(
        out.status.success(),
        "{args:?} --split {split} {file:?} exited with {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn every_stream_matches_its_expected_outputs_under_every_split() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    streams(&root, &mut files);
    files.sort();
    assert!(files.len() >= 40, "found only {} streams", files.len());
    let bless = std::env::var_os("CHUNKWISE_BLESS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        for (args, suffix) in OUTPUTS {
            let expected_path = file.with_extension(suffix);
            let whole = run(args, "whole", file);
            // `chat --partial` on a stream without tool-call arguments prints what
            // `chat` prints: no file of its own.
            let same_as_chat = *suffix == "partial.txt"
                && std::fs::read(file.with_extension("chat.txt")).ok() == Some(whole.clone());
            if bless {
                if same_as_chat {
                    let _ = std::fs::remove_file(&expected_path);
                } else {
                    std::fs::write(&expected_path, &whole).expect("expectation written");
                }
            }
            let expected_path = if same_as_chat && !expected_path.exists() {
                file.with_extension("chat.txt")
            } else {
                expected_path
            };
            let expected = std::fs::read(&expected_path).unwrap_or_else(|_| {
                panic!("missing {expected_path:?}: run with CHUNKWISE_BLESS=1 to create it")
            });
            for split in SPLITS {
                let got = if *split == "whole" {
                    whole.clone()
                } else {
                    run(args, split, file)
                };
                if got != expected {
                    failures.push(format!(
                        "{} --split {split} {}",
                        args.join(" "),
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "outputs differ from the expectations:\n{}",
        failures.join("\n")
    );
}
