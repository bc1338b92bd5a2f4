//! A minimal JSON writer for the records chunkwise prints: strings escaped per
//! RFC 8259, non-ASCII written as UTF-8.

/// Appends `s` as a JSON string literal (quotes included).
///
/// ```
/// let mut out = Vec::new();
/// chunkwise_chat::write::json_str(&mut out, "a\"b\\c\n\u{1}é");
/// assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001é\"".as_bytes());
/// ```
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends `s` as a JSON string, or `null` for `None`.
pub fn json_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends an unsigned integer.
pub fn json_u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends an unsigned integer, or `null` for `None`.
pub fn json_opt_u64(out: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => json_u64(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends the JSON text `json` without the whitespace outside its strings (compact form).
/// The text is copied as is otherwise: escapes, numbers and key order are kept. Text that
/// is not JSON is copied the same way, without checks.
///
/// ```
/// let mut out = Vec::new();
/// chunkwise_chat::write::json_minify(&mut out, "{ \"a\" : [1, 2],\n \"b\": \"x \\\" y\" }");
/// assert_eq!(out, br#"{"a":[1,2],"b":"x \" y"}"#);
/// ```
pub fn json_minify(out: &mut Vec<u8>, json: &str) {
    let bytes = json.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            out.extend_from_slice(&bytes[start..i]);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}
