//! Command-line arguments: hand-parsed (a handful of options needs no parser crate).

use std::fmt;

/// How the input is cut into pieces before it is fed to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// One piece: the whole input.
    Whole,
    /// Pieces of N bytes (the last one shorter).
    Fixed(usize),
    /// Piece sizes from 1 to 64 bytes drawn from SplitMix64 seeded with the value:
    /// each size is `1 + (next() % 64)`.
    Random(u64),
}

impl Split {
    /// Parses `whole`, `N` (N >= 1) or `random:SEED`.
    pub fn parse(spec: &str) -> Result<Split, String> {
        if spec == "whole" {
            return Ok(Split::Whole);
        }
        if let Some(seed) = spec.strip_prefix("random:") {
            return seed
                .parse()
                .map(Split::Random)
                .map_err(|_| format!("bad --split seed {seed:?}: expected an unsigned integer"));
        }
        match spec.parse::<usize>() {
            Ok(n) if n > 0 => Ok(Split::Fixed(n)),
            _ => Err(format!(
                "bad --split {spec:?}: expected whole, a piece size N >= 1, or random:SEED"
            )),
        }
    }
}

/// A usage error: reported on one line, exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Options shared by the subcommands that read a stream.
#[derive(Debug)]
pub struct StreamArgs {
    pub split: Split,
    /// `None`: standard input.
    pub file: Option<String>,
    /// Flags the subcommand accepted (e.g. `--json`).
    pub flags: Vec<&'static str>,
}

impl StreamArgs {
    pub fn has(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }
}

/// Parses `[--split SPEC] [FLAG...] [FILE|-]`, accepting the given flags.
pub fn parse_stream_args(
    args: &[String],
    allowed: &[&'static str],
) -> Result<StreamArgs, UsageError> {
    let mut split = Split::Whole;
    let mut file = None;
    let mut flags = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.as_str();
        if let Some(spec) = arg.strip_prefix("--split=") {
            split = Split::parse(spec).map_err(UsageError)?;
        } else if arg == "--split" {
            let spec = it
                .next()
                .ok_or_else(|| UsageError("--split needs a value".into()))?;
            split = Split::parse(spec).map_err(UsageError)?;
        } else if let Some(&flag) = allowed.iter().find(|f| **f == arg) {
            flags.push(flag);
        } else if arg == "-" || !arg.starts_with('-') {
            if file.is_some() {
                return Err(UsageError(format!(
                    "unexpected argument {arg:?}: one input at most"
                )));
            }
            file = (arg != "-").then(|| arg.to_owned());
        } else {
            return Err(UsageError(format!("unknown option {arg:?}")));
        }
    }
    Ok(StreamArgs { split, file, flags })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_specs() {
        assert_eq!(Split::parse("whole"), Ok(Split::Whole));
        assert_eq!(Split::parse("1460"), Ok(Split::Fixed(1460)));
        assert_eq!(Split::parse("random:7"), Ok(Split::Random(7)));
        assert!(Split::parse("0").is_err());
        assert!(Split::parse("-1").is_err());
        assert!(Split::parse("random:").is_err());
        assert!(Split::parse("random:x").is_err());
        assert!(Split::parse("12k").is_err());
    }

    #[test]
    fn stream_args() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = parse_stream_args(&v(&["--split", "3", "--json", "f.sse"]), &["--json"]).unwrap();
        assert_eq!(
            (a.split, a.file.as_deref(), a.has("--json")),
            (Split::Fixed(3), Some("f.sse"), true)
        );
        let a = parse_stream_args(&v(&["--split=random:9", "-"]), &[]).unwrap();
        assert_eq!((a.split, a.file), (Split::Random(9), None));
        assert!(parse_stream_args(&v(&["--json"]), &[]).is_err());
        assert!(parse_stream_args(&v(&["a", "b"]), &[]).is_err());
        assert!(parse_stream_args(&v(&["--split"]), &[]).is_err());
    }
}
