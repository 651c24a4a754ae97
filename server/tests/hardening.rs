//! Listener hardening: idle and keep-alive connections, the connection cap, the request
//! timeout, graceful shutdown.

mod common;

use std::sync::Arc;
use std::time::Duration;

use ctt_core::CallbackEvent;
use ctt_server::{EventSink, Listener, ListenerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes; `None` if it is still open after 10 s.
async fn read_until_closed(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&buf).into_owned()),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn quick() -> ListenerConfig {
    ListenerConfig {
        header_read_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(300),
        ..ListenerConfig::default()
    }
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let (listener, _events) = Listener::start_with_channel(quick()).await.unwrap();
    let mut s = TcpStream::connect(listener.local_addr()).await.unwrap();
    let answer = read_until_closed(&mut s).await.expect("closed within 10 s");
    assert!(!answer.contains(" 200 "), "{answer}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (listener, mut events) = Listener::start_with_channel(quick()).await.unwrap();
    let mut s = TcpStream::connect(listener.local_addr()).await.unwrap();
    s.write_all(b"GET /callback?success=once HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut s).await.expect("closed within 10 s of going idle");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(common::next_event(&mut events).await.is_success());
}

#[tokio::test]
async fn a_stalled_body_gets_408() {
    let (listener, mut events) = Listener::start_with_channel(quick()).await.unwrap();
    let mut s = TcpStream::connect(listener.local_addr()).await.unwrap();
    s.write_all(b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"msal")
        .await
        .unwrap();
    let answer = read_until_closed(&mut s).await.expect("answered and closed within 10 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"kind\":\"timeout\""), "{answer}");
    common::assert_no_more_events(&mut events).await;
}

#[tokio::test]
async fn the_connection_cap_holds_new_clients_back() {
    let config = ListenerConfig {
        max_connections: 1,
        header_read_timeout: Duration::from_secs(60),
        ..ListenerConfig::default()
    };
    let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
    // The one slot is taken by a client that has not finished its headers.
    let mut hog = TcpStream::connect(listener.local_addr()).await.unwrap();
    hog.write_all(b"GET /callback?success=hog HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let url = format!("{}?success=waiting", listener.callback_url());
    let waiting =
        tokio::spawn(async move { common::http().get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "a second connection was served while the only slot was taken");
    drop(hog);
    let status = tokio::time::timeout(Duration::from_secs(10), waiting).await.unwrap().unwrap().unwrap();
    assert_eq!(status, 200);
    let ev = common::next_event(&mut events).await;
    assert_eq!(ev.to_json()["message"], "waiting");
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<CallbackEvent>();
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel::<()>();
    let sink = EventSink::Callback(Arc::new(move |ev| {
        let _ = started_tx.send(());
        std::thread::sleep(Duration::from_millis(300));
        let _ = tx.send(ev);
    }));
    let listener = Listener::start(ListenerConfig::default(), sink).await.unwrap();
    let url = format!("{}?success=in-flight", listener.callback_url());
    let request =
        tokio::spawn(async move { common::http().get(url).send().await.map(|r| r.status().as_u16()) });
    // Once the request is being handled, shut down.
    tokio::time::timeout(Duration::from_secs(10), started.recv()).await.unwrap().unwrap();
    listener.shutdown().await;
    assert_eq!(request.await.unwrap().unwrap(), 200);
    assert_eq!(rx.recv().await.unwrap().to_json()["message"], "in-flight");
}
