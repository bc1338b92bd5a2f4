//! What the CLI's loopback tests share: the built binary, the recorded streams, and a
//! `chunkwise serve` started on an OS-chosen port and killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_chunkwise");

/// Every `testdata/**/*.sse` file, sorted.
pub fn recordings() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("testdata is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "sse") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata"),
        &mut files,
    );
    files.sort();
    assert!(files.len() >= 40, "found only {} recordings", files.len());
    files
}

/// A recording's name: its file name without `.sse`.
pub fn stem(file: &Path) -> &str {
    file.file_stem()
        .and_then(|s| s.to_str())
        .expect("a file stem")
}

/// A running `chunkwise serve`, killed on drop.
pub struct Server {
    pub child: Child,
    /// What `serve` printed after `listening on `: `http://ADDRESS:PORT`.
    pub base: String,
}

impl Server {
    /// Starts `chunkwise serve OPTIONS FILES` and reads the address it prints first.
    pub fn start(options: &[&str], files: &[PathBuf]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(options)
            .args(files)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chunkwise serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("serve prints its address");
        let base = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
