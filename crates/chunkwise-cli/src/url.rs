//! `chunkwise chat --url`: stream a chat completion from an OpenAI-compatible endpoint
//! and show it exactly as `chunkwise chat FILE` shows a recording of it.
//!
//! URL is the API base, as OpenAI clients take it (`https://api.openai.com/v1`, or
//! `http://127.0.0.1:PORT/v1` for `chunkwise serve`): `/chat/completions` is appended.
//! A URL that already ends in `/chat/completions` is used as is. The API key is taken
//! from `OPENAI_API_KEY` when it is set (sent as `Authorization: Bearer KEY`).

use std::error::Error;
use std::io::{self, Write};
use std::time::Duration;

use chunkwise::chat::simd_json::{self, prelude::*};
use chunkwise::chat::write::json_str;
use futures_util::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use crate::Failure;
use crate::args::{UrlArgs, UrlRequest};
use crate::chat::Chat;

/// How much of an error body is read and shown.
const MAX_ERROR_BODY: usize = 64 << 10;

pub fn run(args: &UrlArgs) -> Result<(), Failure> {
    let endpoint = endpoint(&args.url);
    let body = match &args.request {
        UrlRequest::Message { model, message } => request_body(model, message),
        UrlRequest::Body(file) => {
            std::fs::read(file).map_err(|e| Failure::Input(file.clone(), e))?
        }
    };
    // reqwest is built with rustls but no crypto provider of its own: use ring's.
    // (An error only means a provider is installed already.)
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Failure::Other(format!("cannot set up the HTTP client: {}", chain(&e))))?;
    let mut request = client
        .post(&endpoint)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "text/event-stream")
        .body(body);
    if let Some(key) = std::env::var_os("OPENAI_API_KEY").filter(|k| !k.is_empty()) {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", key.to_string_lossy()))
            .map_err(|_| Failure::Other("OPENAI_API_KEY is not a valid header value".into()))?;
        value.set_sensitive(true);
        request = request.header(AUTHORIZATION, value);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let response = request
            .send()
            .await
            .map_err(|e| Failure::Other(format!("cannot reach {endpoint}: {}", chain(&e))))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !status.is_success() {
            let body = read_some(response).await;
            return Err(Failure::Other(format!(
                "{endpoint} answered {status}: {}",
                error_message(&body)
            )));
        }
        if content_type.starts_with("application/json") {
            // A non-streaming answer (a body without "stream": true), or an error
            // sent with status 200.
            let body = read_some(response).await;
            return Err(Failure::Other(format!(
                "{endpoint} answered JSON, not an event stream (does the request ask for \"stream\": true?): {}",
                error_message(&body)
            )));
        }
        let mut chat = Chat::new(args.json, io::stdout().lock());
        if args.partial {
            chat.partial();
        }
        let mut pieces = response.bytes_stream();
        let mut broken = None;
        while let Some(piece) = pieces.next().await {
            match piece {
                Ok(piece) => chat.feed(&piece).map_err(Failure::Output)?,
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            }
        }
        // What arrived is shown either way (the summary says the stream is incomplete).
        chat.finish().map_err(Failure::Output)?;
        match broken {
            Some(e) => Err(Failure::Other(format!(
                "the stream from {endpoint} broke off: {}",
                chain(&e)
            ))),
            None => Ok(()),
        }
    })?;
    io::stdout().flush().map_err(Failure::Output)
}

/// The chat-completions URL for a base URL (or the URL itself if it is one).
fn endpoint(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if url.ends_with("/chat/completions") {
        url.to_owned()
    } else {
        format!("{url}/chat/completions")
    }
}

/// A one-message streaming request that also asks for usage.
fn request_body(model: &str, message: &str) -> Vec<u8> {
    let mut body = b"{\"model\": ".to_vec();
    json_str(&mut body, model);
    body.extend_from_slice(b", \"messages\": [{\"role\": \"user\", \"content\": ");
    json_str(&mut body, message);
    body.extend_from_slice(b"}], \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
    body
}

/// The start of a response body (enough for any error message).
async fn read_some(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(piece)) => body.extend_from_slice(&piece),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    body
}

/// The message of an error body: OpenAI's `{"error": {"message": ...}}`, the other
/// shapes servers use (`{"error": "..."}`, `{"message": ...}`), or the body as text.
fn error_message(body: &[u8]) -> String {
    let mut copy = body.to_vec();
    if let Ok(value) = simd_json::to_borrowed_value(&mut copy) {
        let error = value.get("error");
        let message = error
            .and_then(|e| e.get("message"))
            .or(error)
            .or_else(|| value.get("message"))
            .and_then(|m| m.as_str());
        if let Some(message) = message {
            return message.to_owned();
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text.to_owned()
    }
}

/// An error and its causes, `: `-separated (reqwest's own message says little).
fn chain(e: &dyn Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            endpoint("https://api.openai.com/v1"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            endpoint("http://127.0.0.1:8/v1/"),
            "http://127.0.0.1:8/v1/chat/completions"
        );
        assert_eq!(
            endpoint("http://h/v1/chat/completions"),
            "http://h/v1/chat/completions"
        );
    }

    #[test]
    fn request_bodies_are_json() {
        let mut body = request_body("m\"1", "héllo\n");
        let value = simd_json::to_owned_value(&mut body).unwrap();
        assert_eq!(value["model"].as_str(), Some("m\"1"));
        assert_eq!(value["messages"][0]["content"].as_str(), Some("héllo\n"));
        assert_eq!(value["messages"][0]["role"].as_str(), Some("user"));
        assert_eq!(value["stream"].as_bool(), Some(true));
        assert_eq!(
            value["stream_options"]["include_usage"].as_bool(),
            Some(true)
        );
    }

    #[test]
    fn error_messages() {
        let m = |s: &str| error_message(s.as_bytes());
        assert_eq!(
            m(r#"{"error": {"message": "bad key", "type": "x"}}"#),
            "bad key"
        );
        assert_eq!(m(r#"{"error": "no such model"}"#), "no such model");
        assert_eq!(m(r#"{"message": "m"}"#), "m");
        assert_eq!(m(" Bad Gateway\n"), "Bad Gateway");
        assert_eq!(m(""), "(empty body)");
        assert_eq!(m(r#"{"error": {"code": 1}}"#), r#"{"error": {"code": 1}}"#);
    }
}
