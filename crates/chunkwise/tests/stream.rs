//! The `Stream` adapters against the FILE mode, on every recording, fed by a byte
//! stream that gives random pieces with pauses (`Pending` with an immediate wake-up,
//! or a tokio timer).
#![cfg(feature = "stream")]

mod common;

use bytes::Bytes;
use chunkwise::SharedChatEvent;
use chunkwise::stream::{ByteStreamExt, ChatEvents};
use chunkwise_testkit::streams::Rng;
use common::*;
use futures_util::StreamExt;
use futures_util::stream::FusedStream;

/// A transport error of the test's own type, to check it comes out unchanged.
#[derive(Debug, PartialEq, Eq)]
struct Broken(u32);

#[test]
fn chat_events_give_the_file_mode_result() {
    block_on(async {
        for (path, bytes) in recordings() {
            let want = file_mode(&bytes);
            for round in 0..4 {
                let mut rng = Rng::new(seed(&path, round));
                let mut pieces = random_pieces(&bytes, &mut rng);
                if round == 1 {
                    // Empty pieces are fine.
                    pieces.insert(pieces.len() / 2, Bytes::new());
                    pieces.insert(0, Bytes::new());
                }
                let body = Paced::new(pieces.into_iter().map(Ok::<_, Broken>), round);
                let mut events = body.chat_events();
                let mut got = Vec::new();
                while let Some(event) = events.next().await {
                    got.push(event.expect("no transport error"));
                }
                assert!(events.is_terminated());
                assert!(events.next().await.is_none(), "stays ended");
                assert_eq!(events.get_ref().polled_after_end, 1, "fused");
                let got = outcome_of!(got, events);
                assert_same(&path, &format!("round {round}"), &got, &want);
            }
        }
    });
}

#[test]
fn sse_events_give_the_parser_result() {
    block_on(async {
        for (path, bytes) in recordings() {
            let want = sse_file_mode(&bytes);
            let pieces = random_pieces(&bytes, &mut Rng::new(seed(&path, 7)));
            let body = Paced::new(pieces.into_iter().map(Ok::<_, Broken>), 7);
            let mut items = body.sse_events();
            let mut got = Vec::new();
            while let Some(item) = items.next().await {
                got.push(render_item(&item.expect("no transport error")));
            }
            assert!(items.is_terminated());
            assert_eq!(got, want, "{path:?}");
        }
    });
}

#[test]
fn a_transport_error_comes_out_unchanged_and_the_stream_goes_on() {
    let (path, bytes) = recordings().swap_remove(3);
    let want = file_mode(&bytes);
    block_on(async {
        let pieces = random_pieces(&bytes, &mut Rng::new(11));
        let mut items: Vec<Result<Bytes, Broken>> = pieces.into_iter().map(Ok).collect();
        items.insert(items.len() / 2, Err(Broken(7)));
        let mut events = ChatEvents::new(Paced::new(items, 11));
        let mut got = Vec::new();
        let mut errors = Vec::new();
        while let Some(event) = events.next().await {
            match event {
                Ok(event) => got.push(event),
                Err(e) => errors.push(e),
            }
        }
        assert_eq!(errors, [Broken(7)]);
        let got = outcome_of!(got, events);
        assert_same(&path, "after an error", &got, &want);
    });
}

#[test]
fn finishing_early_ends_the_stream_without_polling_the_transport() {
    block_on(async {
        let items: Vec<Result<&'static str, Broken>> = vec![
            Ok(
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n",
            ),
            Err(Broken(1)),
            Ok("data: [DONE]\n\n"),
        ];
        let mut events = Paced::new(items, 3).chat_events();
        assert!(matches!(
            events.next().await,
            Some(Ok(SharedChatEvent::Chunk(_)))
        ));
        assert_eq!(events.next().await.map(Result::err), Some(Some(Broken(1))));
        // Give up on this connection: the pending tool call completes.
        let completion = events.stream_mut().finish();
        assert!(!completion.is_done());
        let Some(Ok(SharedChatEvent::ToolCall { call, .. })) = events.next().await else {
            panic!("the tool call completed at the end")
        };
        assert_eq!((call.name(), call.arguments()), ("f", "{}"));
        assert!(events.next().await.is_none());
        assert!(events.is_terminated());
        let (body, _) = events.into_parts();
        assert_eq!(body.items.len(), 1, "the transport was not polled again");
    });
}

#[test]
fn events_slice_the_transport_bytes_and_can_move_to_other_tasks() {
    let body = Bytes::from_static(
        b"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hello\"}}]}\n\n",
    );
    let range = body.as_ptr_range();
    let events = Paced::new([Ok::<_, Broken>(body.clone())], 1).chat_events();
    // The whole adapter is `Send + 'static`: it can run on another thread.
    let got = std::thread::spawn(move || {
        block_on(async move {
            let mut events = events;
            let mut got = Vec::new();
            while let Some(event) = events.next().await {
                got.push(event.unwrap());
            }
            got
        })
    })
    .join()
    .unwrap();
    let SharedChatEvent::Chunk(chunk) = &got[0] else {
        panic!("{got:?}")
    };
    let text = chunk.choices[0].delta.content.as_ref().unwrap();
    let text = text.as_text().unwrap();
    assert_eq!(text, "hello");
    assert!(range.contains(&text.as_ptr()), "no copy");
    assert!(
        range.contains(&chunk.id.as_ref().unwrap().as_ptr()),
        "no copy"
    );
}
