//! Pub/sub against a real redis-server, in RESP2 and RESP3, including a reconnect.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::time::Duration;

use pyrsedis_core::Blob;
use pyrsedis_core::pubsub::Message;
use pyrsedis_core::{Client, cmd};
use test_support::RedisServer;

#[tokio::test]
async fn messages_arrive_for_channels_and_patterns_in_both_protocols() {
    let server = RedisServer::start();
    for protocol in ["2", "3"] {
        let client = Client::open(&format!("{}?protocol={protocol}", server.url())).unwrap();
        let mut sub = client.pubsub();
        sub.subscribe(&[b"chat", b"bin\xff"]).await.unwrap();
        sub.psubscribe(&[b"news.*"]).await.unwrap();
        assert_eq!(client.publish("chat", "hello").await.unwrap(), 1);
        assert_eq!(
            client
                .publish(&b"bin\xff"[..], &b"\x00\r\n"[..])
                .await
                .unwrap(),
            1
        );
        assert_eq!(client.publish("news.tech", "rust").await.unwrap(), 1);
        let got = [
            sub.next_message().await.unwrap(),
            sub.next_message().await.unwrap(),
            sub.next_message().await.unwrap(),
        ];
        let b = |s: &[u8]| Blob::copy_from_slice(s);
        assert_eq!(
            got,
            [
                Message {
                    channel: b(b"chat"),
                    pattern: None,
                    payload: b(b"hello")
                },
                Message {
                    channel: b(b"bin\xff"),
                    pattern: None,
                    payload: b(b"\x00\r\n")
                },
                Message {
                    channel: b(b"news.tech"),
                    pattern: Some(b(b"news.*")),
                    payload: b(b"rust")
                },
            ],
            "protocol {protocol}"
        );
        sub.unsubscribe(&[b"chat"]).await.unwrap();
        assert_eq!(client.publish("chat", "nobody").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_killed_subscriber_connection_reconnects_and_resubscribes() {
    let server = RedisServer::start();
    let client = Client::open(&format!("{}?protocol=3", server.url())).unwrap();
    let mut sub = client.pubsub();
    sub.subscribe(&[b"jobs"]).await.unwrap();
    let reader = tokio::spawn(async move {
        let m = sub.next_message().await.unwrap();
        (m, sub.reconnects())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let killed: i64 = client
        .query(&cmd("CLIENT").arg("KILL").arg("TYPE").arg("pubsub"))
        .await
        .unwrap();
    assert_eq!(killed, 1);
    // Publish until the resubscribed connection is listening again.
    let mut delivered = 0;
    for _ in 0..100 {
        delivered = client.publish("jobs", "after-kill").await.unwrap();
        if delivered == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(delivered, 1);
    let (message, reconnects) = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.payload, Blob::from("after-kill"));
    assert_eq!(reconnects, 1);
}
