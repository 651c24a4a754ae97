//! `token`, `action-url` and `bulk` as processes against the in-process mock.

mod common;

use std::time::Instant;

use common::{assert_no_secrets, json_lines, Mock, KEY};
use ctt_server::mock::{DEMO_PASSWORD, DEMO_TOKEN};
use ctt_server::{Endpoint, Fault};
use predicates::prelude::*;

#[test]
fn token_is_redacted_unless_asked() {
    let mock = Mock::start();
    let out = mock.ctt().args(["token", "--output", "json"]).assert().success().get_output().clone();
    assert_no_secrets(&out);
    let doc = &json_lines(&out.stdout)[0];
    assert_eq!(doc["access_token"], "[REDACTED]");
    assert_eq!(doc["token_type"].as_str().unwrap().to_ascii_lowercase(), "bearer");
    assert_eq!(doc["expires_in"], 3600);

    let out = mock.ctt().args(["token"]).assert().success().get_output().clone();
    assert_no_secrets(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("access token: [REDACTED]"));

    let out = mock
        .ctt()
        .args(["token", "--show-secret", "--output", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let shown = json_lines(&out.stdout)[0]["access_token"].as_str().unwrap().to_owned();
    assert!(shown.len() > 10 && shown != "[REDACTED]");

    // A fixed token is returned as configured, and stays redacted.
    let out = common::ctt()
        .env("CTT_BASE_URL", mock.url())
        .env("CTT_TOKEN", DEMO_TOKEN)
        .args(["token", "--output", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_no_secrets(&out);
}

#[test]
fn wrong_password_fails_with_unauthorized_and_no_echo() {
    let mock = Mock::start();
    let out = mock
        .ctt()
        .env("CTT_PASSWORD", "wrong-PASSWORD-42")
        .args(["token", "--output", "json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_no_secrets(&out);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("wrong-PASSWORD-42"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("wrong-PASSWORD-42"));
    assert_eq!(json_lines(&out.stdout)[0]["error"]["kind"], "unauthorized");
    // Text mode: one line on stderr, nothing on stdout.
    let out = mock.ctt().env("CTT_PASSWORD", "wrong").args(["token"]).assert().code(1).get_output().clone();
    assert!(out.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn action_url_json_shape_state_and_qr() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("qr.png");
    let out = mock
        .ctt()
        .env("CTT_STATE_KEY", KEY)
        .args([
            "action-url",
            "--type",
            "get_user_sync_consent",
            "--enterprise",
            " AcmeCorp ",
            "--redirect-url",
            "https://provider.example/cb",
            "--output",
            "json",
            "--qr-png",
        ])
        .arg(&png)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_no_secrets(&out);
    let doc = &json_lines(&out.stdout)[0];
    assert_eq!(doc["action_type"], "GET_USER_SYNC_CONSENT");
    assert_eq!(doc["enterprise_name"], "AcmeCorp");
    assert!(doc["url"].as_str().unwrap().starts_with(&mock.url()));
    let token = doc["state_token"].as_str().unwrap();
    assert!(doc["redirect_url"].as_str().unwrap().contains(&format!("ctt_state={token}")));
    assert_eq!(doc["consent"]["is_authorize"], true);
    assert!(doc["consent"]["scopes"].as_array().unwrap().len() >= 2);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    // Path placement puts the token in the path; --qr draws half blocks after the URL.
    let out = mock
        .ctt()
        .env("CTT_STATE_KEY", KEY)
        .args([
            "action-url",
            "--type",
            "REGISTRATION",
            "--enterprise",
            "Acme",
            "--redirect-url",
            "https://provider.example/cb",
            "--state-placement",
            "path",
            "--qr",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().unwrap().starts_with("http://127.0.0.1:"));
    assert!(text.contains('█') || text.contains('▀') || text.contains('▄'));
}

#[test]
fn action_url_exit_codes() {
    let mock = Mock::start();
    // A bad redirect URL is a usage error, refused before any request.
    let out = mock
        .ctt()
        .args([
            "action-url",
            "--type",
            "GET_CDR_CONSENT",
            "--enterprise",
            "A",
            "--redirect-url",
            "http://public.example/cb",
            "--output",
            "json",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_eq!(json_lines(&out.stdout)[0]["error"]["kind"], "invalid_input");
    assert!(mock.server().requests().is_empty());
    // The API refusing the request is an operation failure.
    mock.server().push_fault(
        Endpoint::ActionUrl,
        Fault::Status { status: 403, body: "{\"message\":\"not yours\"}".into() },
    );
    let out = mock
        .ctt()
        .args([
            "action-url",
            "--type",
            "GET_CDR_CONSENT",
            "--enterprise",
            "A",
            "--redirect-url",
            "https://p.example/cb",
            "--output",
            "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(json_lines(&out.stdout)[0]["error"]["kind"], "forbidden");
    // Nothing listening: transport error, exit 1, one line.
    common::ctt()
        .env("CTT_BASE_URL", "http://127.0.0.1:9")
        .env("CTT_TOKEN", DEMO_TOKEN)
        .args([
            "--timeout",
            "5",
            "action-url",
            "--type",
            "GET_CDR_CONSENT",
            "--enterprise",
            "A",
            "--redirect-url",
            "https://p.example/cb",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::starts_with("ctt: error: transport:")
                .and(predicate::str::contains(DEMO_TOKEN).not()),
        );
}

fn write_csv(path: &std::path::Path, rows: usize, bad_every: usize) {
    let mut text = String::from("id,Enterprise,notes\n");
    for i in 0..rows {
        let name =
            if bad_every > 0 && i % bad_every == 0 { String::new() } else { format!("Enterprise {i}") };
        text.push_str(&format!("{i},\"{name}\",x\n"));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn bulk_1000_rows_against_the_mock() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    write_csv(&input, 1000, 0);
    let out_csv = dir.path().join("out.csv");
    let started = Instant::now();
    let out = mock
        .ctt()
        .env("CTT_STATE_KEY", KEY)
        .args([
            "bulk",
            "--type",
            "GET_PRESENCE_CONSENT",
            "--redirect-url",
            "https://p.example/cb",
            "--concurrency",
            "16",
            "--output",
            "json",
            "--input",
        ])
        .arg(&input)
        .arg("--out")
        .arg(&out_csv)
        .assert()
        .success()
        .get_output()
        .clone();
    let wall = started.elapsed().as_secs_f64();
    assert_no_secrets(&out);
    let summary = &json_lines(&out.stdout)[0];
    assert_eq!(summary["rows"], 1000);
    assert_eq!(summary["failed"], 0);
    eprintln!(
        "bulk: 1000 rows, {} rows/s inside ctt, {:.0} rows/s wall clock (process included)",
        summary["rows_per_second"],
        1000.0 / wall
    );
    let mut reader = csv::Reader::from_path(&out_csv).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "row",
            "line",
            "enterprise",
            "ok",
            "url",
            "redirect_url",
            "state_token",
            "error_kind",
            "error_message"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1000);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(&r[0], (i + 1).to_string());
        assert_eq!(&r[2], format!("Enterprise {i}"));
        assert_eq!(&r[3], "true");
        assert!(r[4].starts_with("http://127.0.0.1:"));
        assert!(!r[6].is_empty());
    }
    let served = mock.server().requests().iter().filter(|r| r.endpoint == Some(Endpoint::ActionUrl)).count();
    assert_eq!(served, 1000);
}

#[test]
fn bulk_records_failures_in_their_rows_as_json() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    write_csv(&input, 50, 10); // rows 0, 10, 20, 30, 40 have no name
    mock.server().push_fault(Endpoint::ActionUrl, Fault::Status { status: 500, body: "boom".into() });
    let out_json = dir.path().join("out.json");
    let out = mock
        .ctt()
        .args([
            "bulk",
            "--type",
            "REGISTRATION",
            "--redirect-url",
            "https://p.example/cb",
            "--concurrency",
            "1",
            "--input",
        ])
        .arg(&input)
        .arg("-o")
        .arg(&out_json)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_no_secrets(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("50 rows: 44 succeeded, 6 failed"));
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&out_json).unwrap()).unwrap();
    assert_eq!(rows.len(), 50);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["row"], i + 1);
        assert_eq!(r["line"], i + 2);
        if i % 10 == 0 {
            assert_eq!(r["ok"], false);
            assert_eq!(r["error"]["kind"], "invalid_input", "{r}");
        }
    }
    // The first request with a name (row 2) got the 500, which is not retried.
    assert_eq!(rows[1]["error"]["kind"], "server");
    assert_eq!(rows.iter().filter(|r| r["ok"] == true).count(), 44);
    assert!(rows[2]["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
}

#[test]
fn bulk_usage_errors() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    // A spreadsheet's export with a byte-order mark and no `enterprise` column.
    std::fs::write(&input, "\u{feff}name\nAcme\n").unwrap();
    let out = dir.path().join("o.csv");
    mock.ctt()
        .args(["bulk", "--type", "REGISTRATION", "--redirect-url", "https://p.example/cb", "--input"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no `enterprise` column"));
    mock.ctt()
        .args([
            "bulk",
            "--type",
            "REGISTRATION",
            "--redirect-url",
            "https://p.example/cb",
            "--input",
            "/no/such.csv",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    mock.ctt()
        .args(["bulk", "--type", "REGISTRATION", "--redirect-url", "ftp://p.example/cb", "--input"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(mock.server().requests().is_empty());
    // With the BOM before `enterprise`, the column is found.
    std::fs::write(&input, "\u{feff}Enterprise;x\nAcme\n").unwrap();
    mock.ctt()
        .args(["bulk", "--type", "REGISTRATION", "--redirect-url", "https://p.example/cb", "--input"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    std::fs::write(&input, "\u{feff}Enterprise;x\nAcme;1\n").unwrap();
    mock.ctt()
        .args([
            "bulk",
            "--type",
            "REGISTRATION",
            "--redirect-url",
            "https://p.example/cb",
            "--delimiter",
            ";",
            "--input",
        ])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(std::fs::read_to_string(&out).unwrap().contains(",Acme,true,"));
    let _ = DEMO_PASSWORD;
}
