//! `listen`, `mock`, `flow` and `demo` as processes.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_no_secrets, json_lines, Mock, KEY, VARS};
use ctt_server::mock::DEMO_TOKEN;
use ctt_server::Decision;
use serde_json::Value;

/// A `ctt` child process, killed if the test ends before it does.
struct Proc {
    child: Child,
    out: BufReader<ChildStdout>,
    err: BufReader<ChildStderr>,
}

impl Proc {
    fn spawn(args: &[&str], env: &[(&str, String)]) -> Proc {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("ctt"));
        for v in VARS {
            cmd.env_remove(v);
        }
        cmd.args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let err = BufReader::new(child.stderr.take().unwrap());
        Proc { child, out, err }
    }

    fn out_line(&mut self) -> String {
        let mut l = String::new();
        self.out.read_line(&mut l).unwrap();
        l
    }

    fn err_line(&mut self) -> String {
        let mut l = String::new();
        self.err.read_line(&mut l).unwrap();
        l
    }

    /// Waits (at most 30 s) for the exit code; returns it with the rest of stdout and stderr.
    fn finish(mut self) -> (i32, String, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "ctt did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let (mut o, mut e) = (String::new(), String::new());
        self.out.read_to_string(&mut o).unwrap();
        self.err.read_to_string(&mut e).unwrap();
        (status.code().unwrap_or(-1), o, e)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one raw HTTP/1.1 request; returns the status code.
fn http(addr: &str, method: &str, target: &str, body: Option<(&str, &str)>) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some((ct, b)) = body {
        req.push_str(&format!("Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n{b}", b.len()));
    } else {
        req.push_str("\r\n");
    }
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// `host:port` of the URL in a "listening on http://HOST:PORT/…" line.
fn addr_of(line: &str) -> String {
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap();
    url.trim_start_matches("http://").split('/').next().unwrap().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn listen_prints_events_as_json_lines() {
    let mut p = Proc::spawn(&["listen", "--bind", "127.0.0.1:0", "--count", "2", "--output", "json"], &[]);
    let line = p.err_line();
    assert!(line.starts_with("ctt: listening on http://127.0.0.1:"), "{line}");
    let addr = addr_of(&line);
    assert_eq!(
        http(&addr, "GET", "/callback?success=User%20Sync%20Consent%20Completed%20Successfully", None),
        200
    );
    assert_eq!(http(&addr, "DELETE", "/callback?success=x", None), 405);
    assert_eq!(
        http(
            &addr,
            "GET",
            "/callback?error=Unable%20to%20Complete%20the%20process.%20User%20is%20not%20a%20Global%20Admin",
            None
        ),
        200
    );
    let (code, out, err) = p.finish();
    assert_eq!(code, 0, "{err}");
    let events = json_lines(out.as_bytes());
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["kind"], "consent_succeeded");
    assert_eq!(events[1]["kind"], "consent_failed");
    assert_eq!(events[1]["message"], "Unable to Complete the process. User is not a Global Admin");
}

#[test]
fn listen_with_a_state_key_refuses_bad_tokens() {
    let env = [("CTT_STATE_KEY", KEY.to_owned())];
    let mut p = Proc::spawn(&["listen", "--bind", "127.0.0.1:0", "--count", "1", "--path", "/ctt/cb"], &env);
    let addr = addr_of(&p.err_line());
    assert_eq!(http(&addr, "GET", "/ctt/cb?success=ok", None), 403);
    assert_eq!(http(&addr, "GET", "/ctt/cb?success=ok&ctt_state=forged", None), 403);
    // A token from `ctt action-url` with the same key is accepted, once.
    let mock = Mock::start();
    let redirect = format!("http://{addr}/ctt/cb");
    let out = mock
        .ctt()
        .env("CTT_STATE_KEY", KEY)
        .args([
            "action-url",
            "--type",
            "GET_CDR_CONSENT",
            "--enterprise",
            "Acme",
            "--redirect-url",
            &redirect,
            "--output",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let url = json_lines(&out.stdout)[0]["url"].as_str().unwrap().to_owned();
    let delivery = mock.rt.block_on(mock.server().consent(&url, Decision::Approve)).unwrap();
    assert_eq!(delivery.status, 200);
    let (code, out, _) = p.finish();
    assert_eq!(code, 0);
    assert!(out.starts_with("consent_succeeded: CDR Consent Completed Successfully"), "{out}");
    assert!(out.contains("state: verified, GET_CDR_CONSENT for \"Acme\""), "{out}");
}

#[test]
fn mock_serves_with_faults_from_flags() {
    let mut p = Proc::spawn(
        &[
            "mock",
            "--bind",
            "127.0.0.1:0",
            "--fault",
            "action_url=status:400:{\"message\":\"bad enterprise\"}",
            "--output",
            "json",
        ],
        &[],
    );
    let doc: Value = serde_json::from_str(&p.out_line()).unwrap();
    let base = doc["base_url"].as_str().unwrap().to_owned();
    assert_eq!(doc["client_id"], "ctt-demo-client");
    let run = || {
        common::ctt()
            .env("CTT_BASE_URL", &base)
            .env("CTT_TOKEN", DEMO_TOKEN)
            .args([
                "action-url",
                "--type",
                "GET_CONTACTS_CONSENT",
                "--enterprise",
                "Acme",
                "--redirect-url",
                "https://p.example/cb",
                "--output",
                "json",
            ])
            .assert()
    };
    let first = run().code(1).get_output().clone();
    let err = &json_lines(&first.stdout)[0]["error"];
    assert_eq!(err["kind"], "invalid_input");
    assert!(err["message"].as_str().unwrap().contains("bad enterprise"), "{err}");
    let second = run().success().get_output().clone();
    assert_no_secrets(&second);
    assert_eq!(json_lines(&second.stdout)[0]["consent"]["is_authorize"], true);
    // Usage errors of the mock's own flags.
    common::ctt().args(["mock", "--fault", "nowhere=reset"]).assert().code(2);
    common::ctt().args(["mock", "--decision", "maybe"]).assert().code(2);
}

fn run_flow(decision: Decision) -> (i32, Vec<Value>, String) {
    let mock = Mock::start();
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}/provider/cb");
    let env = [("CTT_BASE_URL", mock.url()), ("CTT_TOKEN", DEMO_TOKEN.to_owned())];
    let mut p = Proc::spawn(
        &[
            "flow",
            "--type",
            "GET_CALL_APP_CONSENT",
            "--enterprise",
            "Acme",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            &public,
            "--output",
            "json",
            "--wait",
            "20",
        ],
        &env,
    );
    let first: Value = serde_json::from_str(&p.out_line()).unwrap();
    assert_eq!(first["step"], "action_url");
    let url = first["action_url"]["url"].as_str().unwrap().to_owned();
    assert!(first["action_url"]["redirect_url"].as_str().unwrap().starts_with(&public));
    let delivery = mock.rt.block_on(mock.server().consent(&url, decision)).unwrap();
    assert_eq!(delivery.status, 200);
    let (code, out, err) = p.finish();
    assert!(!err.contains(DEMO_TOKEN) && !out.contains(DEMO_TOKEN));
    let mut lines = vec![first];
    lines.extend(json_lines(out.as_bytes()));
    (code, lines, err)
}

#[test]
fn flow_waits_for_the_callback_and_exits_by_outcome() {
    let (code, lines, err) = run_flow(Decision::Approve);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines[1]["step"], "callback");
    assert_eq!(lines[1]["event"]["kind"], "consent_succeeded");
    assert_eq!(lines[1]["event"]["state"]["action_type"], "GET_CALL_APP_CONSENT");

    let (code, lines, _) = run_flow(Decision::Deny);
    assert_eq!(code, 1);
    assert_eq!(lines[1]["event"]["kind"], "consent_failed");
}

#[test]
fn flow_without_credentials_is_a_usage_error() {
    common::ctt()
        .args([
            "flow",
            "--type",
            "GET_CDR_CONSENT",
            "--enterprise",
            "A",
            "--bind",
            "127.0.0.1:0",
            "--public-url",
            "https://p.example/cb",
        ])
        .assert()
        .code(2);
}

#[test]
fn demo_walks_every_action_type() {
    let out = common::ctt().args(["demo"]).assert().success().get_output().clone();
    assert_no_secrets(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("12/12 steps behaved as expected"), "{text}");
    assert!(!text.contains("eyJ"), "a JWT leaked:\n{text}");
    assert!(text.contains("consent_failed: Unable to Complete the process. User is not a Global Admin"));
    assert_eq!(text.matches("✓ as expected").count(), 12);

    let out = common::ctt()
        .args(["demo", "--type", "login_enterprise_admin", "--output", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_no_secrets(&out);
    let lines = json_lines(&out.stdout);
    assert_eq!(lines[1]["access_token"], "[REDACTED]");
    let steps: Vec<&Value> = lines.iter().filter(|l| l["step"].is_number()).collect();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["event"]["kind"], "authenticated");
    assert_eq!(steps[0]["event"]["access_token"], "[REDACTED]");
    assert_eq!(steps[1]["event"]["kind"], "consent_failed");
    assert_eq!(steps[2]["status"], 403);
    assert_eq!(lines.last().unwrap()["summary"]["ok"], true);
}

/// Sends SIGTERM to a child of this test and returns its exit code.
fn terminate(p: Proc) -> i32 {
    let pid = p.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    p.finish().0
}

#[test]
fn listen_and_mock_stop_cleanly_on_sigterm() {
    let mut listen = Proc::spawn(&["listen", "--bind", "127.0.0.1:0"], &[]);
    let addr = addr_of(&listen.err_line());
    assert_eq!(http(&addr, "GET", "/callback?success=done", None), 200);
    assert!(listen.out_line().starts_with("consent_succeeded: done"));
    assert_eq!(terminate(listen), 0);

    let mut mock = Proc::spawn(&["mock", "--bind", "127.0.0.1:0"], &[]);
    assert!(mock.out_line().starts_with("mock ConnectToTeams API at http://127.0.0.1:"));
    assert_eq!(terminate(mock), 0);
}
