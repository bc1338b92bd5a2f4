//! Chunk decoding against serde_json: the input is one event's data (or two, split at
//! the first NUL byte, to exercise the decoder's reuse of the previous chunk's leading
//! members). Decoding never panics; where the reference (`chunkwise_testkit::chunk_ref`,
//! serde_json plus the documented chunk rules) reads a chunk, every decoded field
//! equals the reference's; where it reads `[DONE]`, so does the decoder; where it
//! rejects the payload, the decoder reports an error too. A decoder that decoded
//! another payload before gives the same answer as a fresh one.
#![no_main]

use chunkwise_chat::Payload;
use chunkwise_chat::decode::{DecodeError, Decoder};
use chunkwise_testkit::chunk_ref::{self, RefChunk, Verdict};
use libfuzzer_sys::fuzz_target;

/// The decoder's answer in comparable form.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
enum Got {
    Done,
    Chunk(RefChunk),
    Error(DecodeError),
    /// A chunk with a number serde_json cannot hold (`1e400`) in a raw JSON field:
    /// no verdict.
    Unsure,
}

fn decode(decoder: &mut Decoder, data: &str) -> Got {
    let verdict = chunk_ref::reference(data);
    let got = match decoder.decode(data) {
        Ok(Payload::Done) => Got::Done,
        Ok(Payload::Chunk(c)) => match chunkwise_fuzz::observe(data, &c) {
            Ok(c) => Got::Chunk(c),
            Err(_) if matches!(verdict, Verdict::Unsure(_)) => Got::Unsure,
            Err(e) => panic!("{e} in {data:?}"),
        },
        Err(e) => {
            assert!(e.offset <= data.len(), "error offset {e:?} past the data");
            Got::Error(e)
        }
    };
    match (&got, verdict) {
        (Got::Done, Verdict::Done) | (Got::Error(_), Verdict::Rejected(_)) => {}
        (_, Verdict::Unsure(_)) => {}
        (Got::Chunk(c), Verdict::Chunk(r)) => {
            let mut c = c.clone();
            chunk_ref::match_arguments(&mut c, &r);
            assert_eq!(c, r, "decoded vs reference for {data:?}");
        }
        (got, want) => panic!("decoded {got:#?}\nreference {want:#?}\ndata {data:?}"),
    }
    got
}

fuzz_target!(|bytes: &[u8]| {
    let (a, b) = match bytes.iter().position(|&b| b == 0) {
        Some(i) => (&bytes[..i], Some(&bytes[i + 1..])),
        None => (bytes, None),
    };
    let a = String::from_utf8_lossy(a);
    let mut decoder = Decoder::new();
    let first = decode(&mut decoder, &a);
    if let Some(b) = b {
        let b = String::from_utf8_lossy(b);
        let after = decode(&mut decoder, &b);
        assert_eq!(
            after,
            decode(&mut Decoder::new(), &b),
            "reused vs fresh decoder"
        );
        assert_eq!(decode(&mut decoder, &a), first, "decoding again");
    }
});
