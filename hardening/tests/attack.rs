//! The webhook listener under attack, over real loopback sockets, through `ctt_server`'s public
//! API. Each test prints one `ATTACK …` line of figures (run with `--nocapture`); the assertions
//! are about outcomes (what was delivered, what was refused), never about timings.
//!
//! Not repeated here (already in server/tests): one slow-header client, one oversize body, the
//! connection cap of 1, 200 concurrent callbacks, single bad/expired/replayed tokens.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use ctt_core::{ActionType, CallbackEvent, CallbackHandler, FlowSigner, StatePlacement};
use ctt_server::{Listener, ListenerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedReceiver;

/// The tests of this file run one at a time even under `cargo test`'s parallel harness: each
/// one alone opens up to 2,000 sockets and measures what it does.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Upper bound for any single wait in these tests.
const WAIT: Duration = Duration::from_secs(30);

/// The soft open-files limit (`ulimit -n`), read from /proc.
fn open_files_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

/// The status code of a raw HTTP answer, if there was one.
fn status_of(answer: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(answer);
    let line = text.lines().next()?;
    let mut parts = line.split(' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    parts.next()?.parse().ok()
}

/// Sends `bytes` on a fresh connection and reads until the server closes (or `WAIT` passes).
/// Returns the status of the answer (None: closed without one) and whether it was closed.
async fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> (Option<u16>, bool) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // The server may cut us off mid-write (431, 413): a write error is an answer too.
    let _ = s.write_all(bytes).await;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let closed = loop {
        match tokio::time::timeout(WAIT, s.read(&mut chunk)).await {
            Err(_) => break false,
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    (status_of(&buf), closed)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(WAIT)
        .build()
        .expect("reqwest client")
}

/// All events currently queued plus any arriving within `settle`.
async fn drain(rx: &mut UnboundedReceiver<CallbackEvent>, expected: usize) -> Vec<CallbackEvent> {
    let mut out = Vec::new();
    let deadline = Instant::now() + WAIT;
    while out.len() < expected && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
            Ok(Some(ev)) => out.push(ev),
            Ok(None) => break,
            Err(_) => {}
        }
    }
    // Anything extra would be a duplicate delivery.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(ev) = rx.try_recv() {
        out.push(ev);
    }
    out
}

fn message(ev: &CallbackEvent) -> String {
    ev.to_json()["message"].as_str().unwrap_or_default().to_owned()
}

/// Opens `n` connections to `addr` and returns them, with the time it took.
async fn open_all(addr: SocketAddr, n: usize) -> (Vec<TcpStream>, Duration) {
    let started = Instant::now();
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(TcpStream::connect(addr).await.expect("connect"));
    }
    (conns, started.elapsed())
}

/// Sends one GET on `s` and returns the status of the answer.
async fn get_on(mut s: TcpStream, message: String) -> Option<u16> {
    let req = format!("GET /callback?success={message} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut buf)).await.ok()?.ok()?;
    status_of(&buf)
}

fn connections_for_this_limit() -> usize {
    let limit = open_files_limit();
    // Two descriptors per connection (client and server end) plus headroom.
    let n: usize = if limit >= 2_500 { 1_000 } else { ((limit as usize).saturating_sub(200)) / 2 };
    assert!(n >= 100, "ulimit -n is {limit}: too low for this test");
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_connections_are_all_served_once() {
    let _serial = SERIAL.lock().await;
    let n = connections_for_this_limit();
    // A cap above n: every connection is held by the server at the same time.
    let config = ListenerConfig { max_connections: 1_100, ..ListenerConfig::default() };
    let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
    let addr = listener.local_addr();
    let started = Instant::now();
    let (conns, connected) = open_all(addr, n).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::with_capacity(n);
    for (i, s) in conns.into_iter().enumerate() {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            get_on(s, format!("conn-{i}")).await
        }));
    }
    let mut statuses: HashMap<Option<u16>, usize> = HashMap::new();
    for t in tasks {
        *statuses.entry(t.await.unwrap()).or_default() += 1;
    }
    let elapsed = started.elapsed();
    let evs = drain(&mut events, n).await;
    let unique: HashSet<String> = evs.iter().map(message).collect();
    println!(
        "ATTACK concurrent_connections: {n} connections open at once (max_connections=1100; opened in {} ms), \
         then one callback on each at the same instant: statuses {statuses:?}, {} events ({} distinct), \
         listener.delivered()={}, {} ms in all",
        connected.as_millis(),
        evs.len(),
        unique.len(),
        listener.delivered(),
        elapsed.as_millis()
    );
    assert_eq!(statuses.get(&Some(200)), Some(&n), "{statuses:?}");
    assert_eq!(evs.len(), n);
    assert_eq!(unique, (0..n).map(|i| format!("conn-{i}")).collect::<HashSet<_>>());
    assert_eq!(listener.delivered(), n as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_a_thousand_clients_over_the_default_cap_is_all_served() {
    let _serial = SERIAL.lock().await;
    let n = connections_for_this_limit();
    // The default cap (256): the rest wait in the kernel's accept backlog (1024 deep; with
    // tokio's default of 128 more than half of them fell back to SYN retries of 1 s and more).
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let addr = listener.local_addr();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let s = TcpStream::connect(addr).await.expect("connect");
            let status = get_on(s, format!("burst-{i}")).await;
            (status, t0.elapsed())
        }));
    }
    let mut statuses: HashMap<Option<u16>, usize> = HashMap::new();
    let mut slowest = Duration::ZERO;
    let mut over_1s = 0;
    for t in tasks {
        let (status, took) = t.await.unwrap();
        *statuses.entry(status).or_default() += 1;
        slowest = slowest.max(took);
        if took > Duration::from_secs(1) {
            over_1s += 1;
        }
    }
    let elapsed = started.elapsed();
    let evs = drain(&mut events, n).await;
    let unique: HashSet<String> = evs.iter().map(message).collect();
    println!(
        "ATTACK burst_over_cap: {n} clients connecting and calling back at once against the default cap of 256: \
         statuses {statuses:?}, {} events ({} distinct), slowest client {} ms ({over_1s} took over 1 s: SYN retries \
         once the accept backlog is full), {} ms in all",
        evs.len(),
        unique.len(),
        slowest.as_millis(),
        elapsed.as_millis()
    );
    assert_eq!(statuses.get(&Some(200)), Some(&n), "{statuses:?}");
    assert_eq!(evs.len(), n);
    assert_eq!(unique, (0..n).map(|i| format!("burst-{i}")).collect::<HashSet<_>>());
    assert_eq!(listener.delivered(), n as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_clients_are_cut_while_normal_callbacks_get_through() {
    let _serial = SERIAL.lock().await;
    const SLOW: usize = 300; // more than the connection cap: they hold every slot at first
    const NORMAL: usize = 100;
    let header_timeout = Duration::from_millis(500);
    let config = ListenerConfig { header_read_timeout: header_timeout, ..ListenerConfig::default() };
    let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
    let addr = listener.local_addr();
    let started = Instant::now();
    let mut slow = Vec::new();
    for i in 0..SLOW {
        slow.push(tokio::spawn(async move {
            let s = TcpStream::connect(addr).await.expect("connect");
            let (mut rd, mut wr) = s.into_split();
            let t0 = Instant::now();
            let reader = tokio::spawn(async move {
                let mut buf = Vec::new();
                let _ = rd.read_to_end(&mut buf).await;
                buf
            });
            let head = format!("GET /callback?success=slow-{i} HTTP/1.1\r\nHost: x\r\nX-Pad: ");
            let _ = wr.write_all(head.as_bytes()).await;
            // One byte every 100 ms, for at most 20 s.
            let mut cut = false;
            for _ in 0..200 {
                if reader.is_finished() || wr.write_all(b"a").await.is_err() {
                    cut = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let answer = tokio::time::timeout(Duration::from_secs(5), reader).await.ok().and_then(|r| r.ok());
            (cut, t0.elapsed(), answer.map(|a| status_of(&a)).unwrap_or(None))
        }));
    }
    // Let the slow clients take the slots, then the well-behaved ones arrive.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let http = http();
    let mut normal = Vec::new();
    for i in 0..NORMAL {
        let url = format!("{}?success=normal-{i}", listener.callback_url());
        let http = http.clone();
        normal.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let status = http.get(url).send().await.map(|r| r.status().as_u16()).ok();
            (status, t0.elapsed())
        }));
    }
    let mut normal_ok = 0;
    let mut normal_max = Duration::ZERO;
    for t in normal {
        let (status, took) = t.await.unwrap();
        if status == Some(200) {
            normal_ok += 1;
        }
        normal_max = normal_max.max(took);
    }
    let mut cut = 0;
    let mut slow_200 = 0;
    let mut cut_max = Duration::ZERO;
    let mut cut_min = Duration::MAX;
    for t in slow {
        let (was_cut, took, status) = t.await.unwrap();
        if was_cut {
            cut += 1;
            cut_max = cut_max.max(took);
            cut_min = cut_min.min(took);
        }
        if status == Some(200) {
            slow_200 += 1;
        }
    }
    let evs = drain(&mut events, NORMAL).await;
    let msgs: HashSet<String> = evs.iter().map(message).collect();
    println!(
        "ATTACK slowloris: {SLOW} slow-header clients (1 byte/100 ms, header timeout {} ms, cap 256): \
         {cut} cut after {}..{} ms, {slow_200} answered 200; {NORMAL} normal callbacks alongside: \
         {normal_ok} got 200 (slowest {} ms), {} events delivered; total {} ms",
        header_timeout.as_millis(),
        cut_min.as_millis(),
        cut_max.as_millis(),
        normal_max.as_millis(),
        evs.len(),
        started.elapsed().as_millis()
    );
    assert_eq!(cut, SLOW, "some slow clients were never cut off");
    assert_eq!(slow_200, 0);
    assert_eq!(normal_ok, NORMAL);
    assert_eq!(evs.len(), NORMAL, "a normal callback was lost or duplicated");
    assert_eq!(msgs, (0..NORMAL).map(|i| format!("normal-{i}")).collect::<HashSet<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_bodies_are_refused_and_valid_posts_still_delivered() {
    let _serial = SERIAL.lock().await;
    const EACH: usize = 30;
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let addr = listener.local_addr();
    let started = Instant::now();
    let big = vec![b'{'; 1 << 20];
    let mut tasks = Vec::new();
    for i in 0..EACH {
        // 1. A declared Content-Length of 1 MiB (over the 64 KiB limit), body sent in full.
        let mut declared =
            format!("POST /callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", big.len())
                .into_bytes();
        declared.extend_from_slice(&big);
        // 2. A chunked body that grows past the limit without declaring its size.
        let mut chunked =
            b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                .to_vec();
        for _ in 0..20 {
            chunked.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
            chunked.extend_from_slice(&big[..8192]);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        // 3. An absurd Content-Length with no body behind it.
        let absurd = b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\nConnection: close\r\n\r\n".to_vec();
        for (kind, bytes) in [("declared", declared), ("chunked", chunked), ("absurd", absurd)] {
            tasks.push(tokio::spawn(async move { (kind, raw_exchange(addr, &bytes).await) }));
        }
        // 4. A valid callback alongside.
        let url = format!("{}?success=valid-{i}", listener.callback_url());
        tasks.push(tokio::spawn(async move {
            let status = http().get(url).send().await.map(|r| r.status().as_u16()).ok();
            ("valid", (status, true))
        }));
    }
    let mut table: HashMap<(&str, Option<u16>), usize> = HashMap::new();
    for t in tasks {
        let (kind, (status, closed)) = t.await.unwrap();
        assert!(closed, "{kind}: connection left open");
        *table.entry((kind, status)).or_default() += 1;
    }
    let evs = drain(&mut events, EACH).await;
    let mut rows: Vec<_> = table.iter().map(|((k, s), n)| format!("{k}→{s:?}×{n}")).collect();
    rows.sort();
    println!(
        "ATTACK oversize_bodies: {} requests in {} ms: {}; {} events delivered (all valid ones)",
        EACH * 4,
        started.elapsed().as_millis(),
        rows.join(", "),
        evs.len()
    );
    for kind in ["declared", "chunked"] {
        assert_eq!(table.get(&(kind, Some(413))), Some(&EACH), "{kind}: {table:?}");
    }
    let absurd_refused: usize = table
        .iter()
        .filter(|((k, s), _)| *k == "absurd" && matches!(s, Some(400..=499)))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(absurd_refused, EACH, "{table:?}");
    assert_eq!(table.get(&("valid", Some(200))), Some(&EACH), "{table:?}");
    assert_eq!(evs.len(), EACH);
    assert!(evs.iter().all(|e| message(e).starts_with("valid-")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_http_is_refused_or_dropped_and_never_delivered() {
    let _serial = SERIAL.lock().await;
    let config = ListenerConfig {
        header_read_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(500),
        ..ListenerConfig::default()
    };
    let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
    let addr = listener.local_addr();
    let many_headers: String = (0..2000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("binary garbage", (0..=255u8).cycle().take(4096).collect()),
        ("NUL bytes", vec![0u8; 512]),
        ("TLS ClientHello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec()),
        ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec()),
        ("no version", b"GET /callback?success=x\r\n\r\n".to_vec()),
        ("HTTP/0.9", b"GET /callback?success=x\r\n".to_vec()),
        ("bad version", b"GET /callback?success=x HTTP/9.9\r\nHost: x\r\n\r\n".to_vec()),
        ("space in path", b"GET /callback?success=a b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("bad header name", b"GET /callback?success=x HTTP/1.1\r\nHo st: x\r\n\r\n".to_vec()),
        ("header without colon", b"GET /callback?success=x HTTP/1.1\r\nHost x\r\n\r\n".to_vec()),
        ("NUL in header", b"GET /callback?success=x HTTP/1.1\r\nHost: x\0y\r\n\r\n".to_vec()),
        ("bad Content-Length", b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}".to_vec()),
        ("negative Content-Length", b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}".to_vec()),
        (
            "two Content-Lengths",
            b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}".to_vec(),
        ),
        (
            "CL + TE smuggling",
            b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /callback?success=smuggled HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        ("bad chunk size", b"POST /callback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".to_vec()),
        ("unknown TE", b"POST /callback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n{}".to_vec()),
        ("2000 headers", format!("GET /callback?success=x HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n").into_bytes()),
        ("64 KiB request line", format!("GET /callback?success={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(65536)).into_bytes()),
        ("bare LF line ends, bad query", b"GET /callback?%ZZ=%ZZ HTTP/1.1\nHost: x\n\n".to_vec()),
        ("not JSON body", b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{{{{{".to_vec()),
        ("absolute-form URI elsewhere", b"GET http://evil.example/x?success=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("CONNECT", b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n".to_vec()),
        ("path traversal", b"GET /callback/../../etc/passwd?success=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
    ];
    let started = Instant::now();
    let mut rows = Vec::new();
    for (name, bytes) in &cases {
        let (status, closed) = raw_exchange(addr, bytes).await;
        rows.push(format!("{name}→{}", status.map_or("closed".to_owned(), |s| s.to_string())));
        assert!(closed, "{name}: connection still open after {WAIT:?}");
        assert!(!matches!(status, Some(200..=299)), "{name}: answered {status:?}");
    }
    let total = cases.len();
    // Also all at once, 20 copies each.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        for (_, bytes) in &cases {
            let bytes = bytes.clone();
            tasks.push(tokio::spawn(async move { raw_exchange(addr, &bytes).await }));
        }
    }
    let concurrent = tasks.len();
    for t in tasks {
        let (status, closed) = t.await.unwrap();
        assert!(closed && !matches!(status, Some(200..=299)), "{status:?}");
    }
    let extra = drain(&mut events, 0).await;
    // The listener still serves a good client afterwards.
    let resp = http().get(format!("{}?success=after", listener.callback_url())).send().await.unwrap();
    let after = resp.status().as_u16();
    let evs = drain(&mut events, 1).await;
    println!(
        "ATTACK malformed_http: {total} kinds once each then {concurrent} at once in {} ms, 0 answered 2xx, \
         {} events; then a valid callback → {after}, {} event. Per kind: {}",
        started.elapsed().as_millis(),
        extra.len(),
        evs.len(),
        rows.join("; ")
    );
    assert!(
        extra.is_empty(),
        "malformed input delivered: {:?}",
        extra.iter().map(|e| e.to_json()).collect::<Vec<_>>()
    );
    assert_eq!(after, 200);
    assert_eq!(evs.len(), 1);
    assert_eq!(listener.delivered(), 1);
}

fn guarded_listener_config(signer: &FlowSigner) -> ListenerConfig {
    let handler = CallbackHandler::new().with_state(signer.clone(), StatePlacement::default());
    ListenerConfig { handler, ..ListenerConfig::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_forged_state_tokens_is_refused_and_valid_ones_get_through() {
    let _serial = SERIAL.lock().await;
    const FORGED: usize = 5_000;
    const VALID: usize = 100;
    let signer =
        FlowSigner::new(&[7u8; 32]).unwrap().with_ttl(Duration::from_secs(600)).with_memory_replay_guard();
    let foreign = FlowSigner::new(&[8u8; 32]).unwrap();
    let (listener, mut events) =
        Listener::start_with_channel(guarded_listener_config(&signer)).await.unwrap();
    let base = listener.callback_url();
    let template = signer.issue(ActionType::PresenceConsent, "Acme").unwrap();
    // Forgeries of several kinds, deterministic.
    let mut urls = Vec::new();
    for i in 0..FORGED {
        let token = match i % 5 {
            0 => format!("forged-{i}"),
            1 => foreign.issue(ActionType::PresenceConsent, &format!("Acme{i}")).unwrap(),
            2 => {
                let mut b = template.clone().into_bytes();
                let j = i % b.len();
                b[j] = if b[j] == b'A' { b'B' } else { b'A' };
                String::from_utf8(b).unwrap()
            }
            3 => signer
                .issue_at(
                    ActionType::PresenceConsent,
                    "Acme",
                    SystemTime::now() - Duration::from_secs(7200),
                    [i as u8; 16],
                )
                .unwrap(),
            _ => format!("{}.{}", "A".repeat(i % 300), "B".repeat(43)),
        };
        urls.push((false, format!("{base}?ctt_state={token}&success=forged")));
    }
    for i in 0..VALID {
        let token = signer.issue(ActionType::PresenceConsent, &format!("Valid{i}")).unwrap();
        // Interleave: one valid callback every 50 forged ones.
        urls.insert(i * 51, (true, format!("{base}?ctt_state={token}&success=valid-{i}")));
    }
    let started = Instant::now();
    let http = http();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::new();
    for (valid, url) in urls {
        let http = http.clone();
        let sem = sem.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.unwrap();
            let resp = http.get(url).send().await.unwrap();
            let status = resp.status().as_u16();
            let body: serde_json::Value =
                serde_json::from_str(&resp.text().await.unwrap_or_default()).unwrap_or_default();
            let rejection = body["error"]["rejection"].as_str().map(str::to_owned);
            (valid, status, rejection)
        }));
    }
    let mut rejections: HashMap<String, usize> = HashMap::new();
    let mut valid_ok = 0;
    for t in tasks {
        let (valid, status, rejection) = t.await.unwrap();
        if valid {
            assert_eq!(status, 200);
            valid_ok += 1;
        } else {
            assert_eq!(status, 403, "a forged token was accepted");
            *rejections.entry(rejection.unwrap_or_default()).or_default() += 1;
        }
    }
    let elapsed = started.elapsed();
    let evs = drain(&mut events, VALID).await;
    let names: HashSet<String> = evs.iter().map(|e| e.state().unwrap().enterprise_name.clone()).collect();
    let mut rej: Vec<_> = rejections.iter().map(|(k, v)| format!("{k}={v}")).collect();
    rej.sort();
    println!(
        "ATTACK forged_state_flood: {FORGED} forged + {VALID} valid tokens, 64 in flight, {} ms \
         ({:.0} requests/s): forged all 403 ({}); valid {valid_ok}/{VALID} 200, {} events, {} distinct",
        elapsed.as_millis(),
        (FORGED + VALID) as f64 / elapsed.as_secs_f64(),
        rej.join(", "),
        evs.len(),
        names.len()
    );
    assert_eq!(rejections.values().sum::<usize>(), FORGED);
    assert_eq!(valid_ok, VALID);
    assert_eq!(evs.len(), VALID);
    assert_eq!(names, (0..VALID).map(|i| format!("Valid{i}")).collect::<HashSet<_>>());
    assert_eq!(listener.delivered(), VALID as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_valid_callback_replayed_100_times_at_once_is_delivered_exactly_once() {
    let _serial = SERIAL.lock().await;
    const REPLAYS: usize = 100;
    const ROUNDS: usize = 5;
    let signer =
        FlowSigner::new(&[9u8; 32]).unwrap().with_ttl(Duration::from_secs(600)).with_memory_replay_guard();
    let (listener, mut events) =
        Listener::start_with_channel(guarded_listener_config(&signer)).await.unwrap();
    let addr = listener.local_addr();
    let started = Instant::now();
    let mut summary = Vec::new();
    for round in 0..ROUNDS {
        let token = signer.issue(ActionType::CallRecordingConsent, &format!("Replay{round}")).unwrap();
        let req = format!(
            "GET /callback?ctt_state={token}&success=replayed-{round} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        );
        // 100 connections opened first, then the same request on all of them at once.
        let mut conns = Vec::new();
        for _ in 0..REPLAYS {
            conns.push(TcpStream::connect(addr).await.unwrap());
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(REPLAYS));
        let mut tasks = Vec::new();
        for mut s in conns {
            let barrier = barrier.clone();
            let req = req.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                s.write_all(req.as_bytes()).await.unwrap();
                let mut buf = Vec::new();
                tokio::time::timeout(WAIT, s.read_to_end(&mut buf)).await.expect("answered").unwrap();
                let text = String::from_utf8_lossy(&buf).into_owned();
                (status_of(&buf), text.contains("\"rejection\":\"replayed\""))
            }));
        }
        let (mut ok, mut replayed, mut other) = (0, 0, 0);
        for t in tasks {
            match t.await.unwrap() {
                (Some(200), _) => ok += 1,
                (Some(403), true) => replayed += 1,
                _ => other += 1,
            }
        }
        summary.push(format!("round {round}: 200×{ok}, 403 replayed×{replayed}, other×{other}"));
        assert_eq!((ok, replayed, other), (1, REPLAYS - 1, 0), "round {round}");
    }
    let evs = drain(&mut events, ROUNDS).await;
    println!(
        "ATTACK concurrent_replay: {ROUNDS} rounds × {REPLAYS} simultaneous copies of one valid callback \
         (memory replay guard) in {} ms → {}; {} events delivered, listener.delivered()={}",
        started.elapsed().as_millis(),
        summary.join("; "),
        evs.len(),
        listener.delivered()
    );
    assert_eq!(evs.len(), ROUNDS);
    let msgs: HashSet<String> = evs.iter().map(message).collect();
    assert_eq!(msgs, (0..ROUNDS).map(|r| format!("replayed-{r}")).collect::<HashSet<_>>());
    assert_eq!(listener.delivered(), ROUNDS as u64);
}
