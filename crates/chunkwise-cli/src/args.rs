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

/// If `arg` is `--NAME VALUE` or `--NAME=VALUE`, the value (taking it from `rest` in
/// the first form).
fn option_value<'a>(
    name: &str,
    arg: &'a str,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Option<Result<&'a str, UsageError>> {
    let tail = arg.strip_prefix(name)?;
    if let Some(value) = tail.strip_prefix('=') {
        return Some(Ok(value));
    }
    if !tail.is_empty() {
        return None;
    }
    Some(
        rest.next()
            .map(String::as_str)
            .ok_or_else(|| UsageError(format!("{name} needs a value"))),
    )
}

/// `chunkwise chat --url URL [--model M] [--message TEXT | --body FILE] [--json]
/// [--partial]`.
#[derive(Debug, PartialEq, Eq)]
pub struct UrlArgs {
    /// The API base (`.../v1`) or the full `.../chat/completions` URL.
    pub url: String,
    /// What to send: a request built from a model and a message, or a file as is.
    pub request: UrlRequest,
    pub json: bool,
    pub partial: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum UrlRequest {
    Message { model: String, message: String },
    Body(String),
}

impl UrlArgs {
    /// Whether these arguments are for `chat --url` (rather than a FILE).
    pub fn wanted(args: &[String]) -> bool {
        args.iter().any(|a| a == "--url" || a.starts_with("--url="))
    }
}

/// Parses the arguments of `chat --url`.
pub fn parse_url_args(args: &[String]) -> Result<UrlArgs, UsageError> {
    let (mut url, mut model, mut message, mut body) = (None, None, None, None);
    let (mut json, mut partial) = (false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.as_str();
        if arg == "--json" || arg == "--partial" {
            *(if arg == "--json" {
                &mut json
            } else {
                &mut partial
            }) = true;
            continue;
        }
        let mut matched = false;
        for (name, slot) in [
            ("--url", &mut url),
            ("--model", &mut model),
            ("--message", &mut message),
            ("--body", &mut body),
        ] {
            if let Some(value) = option_value(name, arg, &mut it) {
                *slot = Some(value?.to_owned());
                matched = true;
                break;
            }
        }
        if matched {
            continue;
        }
        if option_value("--split", arg, &mut it).is_some() {
            return Err(UsageError(
                "--split does not apply to --url: the connection cuts the stream".into(),
            ));
        }
        return Err(if arg == "-" || !arg.starts_with('-') {
            UsageError(format!(
                "unexpected argument {arg:?}: chat --url reads no FILE"
            ))
        } else {
            UsageError(format!("unknown option {arg:?}"))
        });
    }
    let url = url
        .filter(|u| !u.is_empty())
        .ok_or_else(|| UsageError("--url needs a value".into()))?;
    let request = match (body, model, message) {
        (Some(file), None, None) => UrlRequest::Body(file),
        (Some(_), _, _) => {
            return Err(UsageError(
                "--body sends its file as is: it does not go with --model or --message".into(),
            ));
        }
        (None, Some(model), Some(message)) => UrlRequest::Message { model, message },
        (None, _, _) => {
            return Err(UsageError(
                "chat --url needs --model M and --message TEXT, or --body FILE".into(),
            ));
        }
    };
    Ok(UrlArgs {
        url,
        request,
        json,
        partial,
    })
}

/// `chunkwise serve [--addr ADDR] [--chunking SPEC] [--delay-ms N] FILE...`.
#[derive(Debug, PartialEq, Eq)]
pub struct ServeArgs {
    pub addr: String,
    pub chunking: Split,
    pub delay_ms: u64,
    pub files: Vec<String>,
}

/// Parses the arguments of `serve`.
pub fn parse_serve_args(args: &[String]) -> Result<ServeArgs, UsageError> {
    let mut a = ServeArgs {
        addr: "127.0.0.1:0".into(),
        chunking: Split::Whole,
        delay_ms: 0,
        files: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.as_str();
        if let Some(value) = option_value("--addr", arg, &mut it) {
            a.addr = value?.to_owned();
        } else if let Some(value) = option_value("--chunking", arg, &mut it) {
            a.chunking =
                Split::parse(value?).map_err(|e| UsageError(e.replace("--split", "--chunking")))?;
        } else if let Some(value) = option_value("--delay-ms", arg, &mut it) {
            let value = value?;
            a.delay_ms = value.parse().map_err(|_| {
                UsageError(format!("bad --delay-ms {value:?}: expected milliseconds"))
            })?;
        } else if arg.starts_with('-') {
            return Err(UsageError(format!("unknown option {arg:?}")));
        } else {
            a.files.push(arg.to_owned());
        }
    }
    if a.files.is_empty() {
        return Err(UsageError(
            "serve needs at least one recorded stream FILE".into(),
        ));
    }
    Ok(a)
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

    #[test]
    fn url_args() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = parse_url_args(&v(&[
            "--url",
            "http://h/v1",
            "--model=m",
            "--message",
            "hi",
            "--json",
        ]))
        .unwrap();
        assert_eq!(
            a,
            UrlArgs {
                url: "http://h/v1".into(),
                request: UrlRequest::Message {
                    model: "m".into(),
                    message: "hi".into()
                },
                json: true,
                partial: false
            }
        );
        let a = parse_url_args(&v(&["--body", "b.json", "--url=http://h"])).unwrap();
        assert_eq!(a.request, UrlRequest::Body("b.json".into()));
        assert!(!a.json);
        let a = parse_url_args(&v(&["--partial", "--body", "b.json", "--url=http://h"])).unwrap();
        assert!(a.partial && !a.json);
        assert!(UrlArgs::wanted(&v(&["--json", "--url=x"])));
        assert!(!UrlArgs::wanted(&v(&["--json", "--urls"])));
        for bad in [
            &["--url", "u", "--model", "m"][..],
            &["--url", "u", "--message", "m"],
            &["--url", "u", "--body", "b", "--model", "m"],
            &[
                "--url",
                "u",
                "--model",
                "m",
                "--message",
                "x",
                "--split",
                "3",
            ],
            &["--url", "u", "--model", "m", "--message", "x", "f.sse"],
            &["--url", "u", "--model", "m", "--message", "x", "--events"],
            &["--url", "", "--model", "m", "--message", "x"],
            &["--url"],
        ] {
            assert!(parse_url_args(&v(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serve_args() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = parse_serve_args(&v(&[
            "a.sse",
            "--chunking",
            "random:3",
            "--delay-ms=5",
            "b.sse",
        ]))
        .unwrap();
        assert_eq!(
            a,
            ServeArgs {
                addr: "127.0.0.1:0".into(),
                chunking: Split::Random(3),
                delay_ms: 5,
                files: vec!["a.sse".into(), "b.sse".into()]
            }
        );
        assert_eq!(
            parse_serve_args(&v(&["--addr", "0.0.0.0:8080", "x"]))
                .unwrap()
                .addr,
            "0.0.0.0:8080"
        );
        for bad in [
            &[][..],
            &["--chunking", "0", "a"],
            &["--delay-ms", "-1", "a"],
            &["--delay-ms"],
            &["--split", "3", "a"],
        ] {
            assert!(parse_serve_args(&v(bad)).is_err(), "{bad:?}");
        }
    }
}
