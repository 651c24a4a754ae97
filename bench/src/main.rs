//! `ctt-bench`: the Rust contenders of `bench/run.sh` (see `bench/README.md`).
//!
//! Every measurement is printed as one tab-separated line
//! `section <TAB> contender <TAB> case <TAB> round <TAB> value` (value in seconds for `client`,
//! nanoseconds per operation for `parse`); the driver (`bench/bench.py`) takes medians.
//!
//! ```text
//! ctt-bench client   --base-url URL --token T [--n 2000] [--rounds 10] [--warmup 200]
//! ctt-bench parse    --files a.json,b.json [--iters 20000] [--rounds 10]
//! ctt-bench listener [--bind 127.0.0.1:0]     # prints "url <TAB> URL-with-valid-state", runs until stdin closes
//! ```

use std::collections::HashMap;
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use ctt_core::{
    parse_authentication_result, ActionType, ActionUrlRequest, CallbackHandler, Client, FlowSigner,
    StatePlacement,
};
use ctt_server::{Listener, ListenerConfig};
use serde::Deserialize;

const REDIRECT: &str = "https://isp.example/cb";

type Opts = HashMap<String, String>;

fn opts(args: &[String]) -> Opts {
    let mut map = HashMap::new();
    let mut it = args.iter();
    while let Some(key) = it.next() {
        let Some(name) = key.strip_prefix("--") else { die(&format!("unexpected argument {key}")) };
        let value = it.next().unwrap_or_else(|| die(&format!("{key} needs a value")));
        map.insert(name.to_owned(), value.clone());
    }
    map
}

fn die(msg: &str) -> ! {
    eprintln!("ctt-bench: {msg}");
    std::process::exit(2)
}

fn get<T: std::str::FromStr>(o: &Opts, key: &str, default: Option<T>) -> T {
    match o.get(key) {
        Some(v) => v.parse().unwrap_or_else(|_| die(&format!("--{key}: bad value {v}"))),
        None => default.unwrap_or_else(|| die(&format!("--{key} is required"))),
    }
}

fn emit(section: &str, contender: &str, case: &str, round: usize, value: f64) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{section}\t{contender}\t{case}\t{round}\t{value:.6}");
    let _ = out.flush();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    match args.first().map(String::as_str) {
        Some("client") => client(&opts(rest)),
        Some("parse") => parse(&opts(rest)),
        Some("listener") => listener(&opts(rest)),
        _ => die("usage: ctt-bench client|parse|listener [--options] (see bench/README.md)"),
    }
}

// ---- 1. client overhead --------------------------------------------------------------------

/// What a user without ctt would write: the same POST with reqwest, the answer read with
/// serde_json when it is a JSON string.
async fn raw_call(http: &reqwest::Client, endpoint: &str, token: &str, name: &str) -> Result<String, String> {
    let body = serde_json::json!({
        "actionType": ActionType::UserSyncConsent.as_str(),
        "enterpriseName": name,
        "redirectUrl": REDIRECT,
    })
    .to_string();
    let resp = http
        .post(endpoint)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("status {status}"));
    }
    let t = text.trim();
    if t.starts_with('"') {
        serde_json::from_str::<String>(t).map_err(|e| e.to_string())
    } else {
        Ok(t.to_owned())
    }
}

fn client(o: &Opts) {
    let base: String = get(o, "base-url", None);
    let token: String = get(o, "token", None);
    let n: usize = get(o, "n", Some(2000));
    let rounds: usize = get(o, "rounds", Some(10));
    let warmup: usize = get(o, "warmup", Some(200));
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let ctt = Client::builder()
            .base_url(base.clone())
            .bearer_token(token.clone())
            .use_env_proxy(false)
            .build()
            .unwrap_or_else(|e| die(&format!("ctt client: {e}")));
        let http = reqwest::Client::builder().no_proxy().build().expect("reqwest client");
        let endpoint = format!("{}/enterprise/getActionItemUrl", base.trim_end_matches('/'));
        let names: Vec<String> = (0..n.max(warmup)).map(|i| format!("Enterprise {i}")).collect();
        let requests: Vec<ActionUrlRequest> = names
            .iter()
            .map(|name| ActionUrlRequest::new(ActionType::UserSyncConsent, name.as_str(), REDIRECT))
            .collect();

        let run_ctt = |count: usize| {
            let (ctt, requests) = (&ctt, &requests);
            async move {
                let start = Instant::now();
                for r in &requests[..count] {
                    let url = ctt.get_action_item_url(r).await.unwrap_or_else(|e| die(&format!("ctt: {e}")));
                    black_box(url);
                }
                start.elapsed().as_secs_f64()
            }
        };
        let run_raw = |count: usize| {
            let (http, endpoint, token, names) = (&http, &endpoint, &token, &names);
            async move {
                let start = Instant::now();
                for name in &names[..count] {
                    let url = raw_call(http, endpoint, token, name)
                        .await
                        .unwrap_or_else(|e| die(&format!("reqwest: {e}")));
                    black_box(url);
                }
                start.elapsed().as_secs_f64()
            }
        };
        run_ctt(warmup).await;
        run_raw(warmup).await;
        let case = format!("{n} sequential calls");
        for round in 0..rounds {
            // Alternate which contender goes first.
            if round % 2 == 0 {
                emit("client", "ctt (Rust Client)", &case, round, run_ctt(n).await);
                emit("client", "raw reqwest + serde_json", &case, round, run_raw(n).await);
            } else {
                emit("client", "raw reqwest + serde_json", &case, round, run_raw(n).await);
                emit("client", "ctt (Rust Client)", &case, round, run_ctt(n).await);
            }
        }
    });
}

// ---- 3. callback parsing -------------------------------------------------------------------

/// The same fields, read the way a user would with plain serde (no expiry rule, no JWT claims,
/// no secret wrapping): the baseline for the core's parser.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainPayload {
    msal_authentication_result: Option<PlainMsal>,
    organization: Option<String>,
    office_user_type: Option<String>,
    company_admin: Option<bool>,
    #[serde(rename = "containsTeamsTenantAdminAPI")]
    contains_teams_tenant_admin_api: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainMsal {
    authentication_result: Option<PlainAuth>,
    reseller_id: Option<String>,
    tenant_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainAuth {
    access_token: Option<String>,
    access_token_type: Option<String>,
    expires_after: Option<i64>,
    expires_on: Option<i64>,
    expires_on_date: Option<serde_json::Value>,
    id_token: Option<String>,
    multiple_resource_refresh_token: Option<bool>,
    refresh_token: Option<String>,
    user_info: Option<PlainUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainUser {
    displayable_id: Option<String>,
    identity_provider: Option<String>,
    tenant_id: Option<String>,
}

fn time_per_op(iters: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn parse(o: &Opts) {
    let files: String = get(o, "files", None);
    let iters: usize = get(o, "iters", Some(20_000));
    let rounds: usize = get(o, "rounds", Some(10));
    let payloads: Vec<(String, Vec<u8>)> = files
        .split(',')
        .map(|f| {
            let name = std::path::Path::new(f)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read(f).unwrap_or_else(|e| die(&format!("{f}: {e}"))))
        })
        .collect();
    let core = |body: &[u8]| {
        let r = parse_authentication_result(black_box(body)).unwrap_or_else(|e| die(&format!("core: {e}")));
        black_box(&r);
    };
    let plain = |body: &[u8]| {
        let r: PlainPayload =
            serde_json::from_slice(black_box(body)).unwrap_or_else(|e| die(&format!("serde: {e}")));
        black_box(&r);
    };
    // The same structs through serde_path_to_error (what the core uses to name the failing
    // field): isolates the cost of path tracking on the happy path.
    let tracked = |body: &[u8]| {
        let de = &mut serde_json::Deserializer::from_slice(black_box(body));
        let r: PlainPayload =
            serde_path_to_error::deserialize(de).unwrap_or_else(|e| die(&format!("tracked: {e}")));
        black_box(&r);
    };
    for (_, body) in &payloads {
        time_per_op(iters / 10 + 1, || core(body));
        time_per_op(iters / 10 + 1, || plain(body));
        time_per_op(iters / 10 + 1, || tracked(body));
    }
    for round in 0..rounds {
        for (case, body) in &payloads {
            let mut order = [
                ("Rust ctt-core parse_authentication_result", &core as &dyn Fn(&[u8])),
                ("Rust serde_json typed structs (same fields)", &plain as &dyn Fn(&[u8])),
                ("Rust serde_json + serde_path_to_error, same structs", &tracked as &dyn Fn(&[u8])),
            ];
            order.rotate_left(round % 3);
            for (name, f) in order {
                emit("parse", name, case, round, time_per_op(iters, || f(body)));
            }
        }
    }
}

// ---- 4. the listener -----------------------------------------------------------------------

fn listener(o: &Opts) {
    let bind: std::net::SocketAddr = get(o, "bind", Some("127.0.0.1:0".parse().expect("addr")));
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let key: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
        let signer = FlowSigner::new(&key).unwrap_or_else(|e| die(&format!("signer: {e}")));
        let token = signer
            .issue(ActionType::Registration, "Bench Enterprise")
            .unwrap_or_else(|e| die(&format!("issue: {e}")));
        let config = ListenerConfig {
            bind,
            handler: CallbackHandler::new().with_state(signer, StatePlacement::default()),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(1),
            ..ListenerConfig::default()
        };
        let (listener, mut events) =
            Listener::start_with_channel(config).await.unwrap_or_else(|e| die(&format!("listener: {e}")));
        let drain = tokio::spawn(async move {
            let mut n = 0u64;
            while events.recv().await.is_some() {
                n += 1;
            }
            n
        });
        println!("url\t{}?ctt_state={token}", listener.callback_url());
        let _ = std::io::stdout().flush();
        // Run until the driver closes our stdin.
        tokio::task::spawn_blocking(|| for _ in std::io::stdin().lock().lines() {})
            .await
            .expect("stdin reader");
        let delivered = listener.delivered();
        listener.shutdown().await;
        drain.abort();
        println!("delivered\t{delivered}");
    });
}
