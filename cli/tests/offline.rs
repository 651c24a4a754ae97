//! Subcommands that need no server: action-types, inspect-url, parse-callback, usage errors.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn ctt() -> Command {
    let mut c = Command::cargo_bin("ctt").unwrap();
    for var in [
        "CTT_BASE_URL",
        "CTT_CLIENT_ID",
        "CTT_CLIENT_SECRET",
        "CTT_USERNAME",
        "CTT_PASSWORD",
        "CTT_TOKEN",
        "CTT_STATE_KEY",
    ] {
        c.env_remove(var);
    }
    c
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect(l)).collect()
}

const KEY: &str = "0123456789abcdef0123456789abcdef-test-key";

#[test]
fn action_types_lists_nine_and_plans() {
    let out = ctt().args(["--output", "json", "action-types"]).assert().success().get_output().stdout.clone();
    let doc = &json_lines(&out)[0];
    let types = doc["action_types"].as_array().unwrap();
    assert_eq!(types.len(), 9);
    assert_eq!(types[0]["name"], "REGISTRATION");
    assert_eq!(types[0]["callback_style"], "json_post");
    assert_eq!(types[2]["requirement"], "required");
    assert!(doc["plan"].is_null());

    let out = ctt().args(["action-types", "--services", "sms", "--output", "json"]).assert().success();
    let doc = &json_lines(&out.get_output().stdout)[0];
    let plan: Vec<&str> =
        doc["plan"].as_array().unwrap().iter().map(|s| s["action_type"].as_str().unwrap()).collect();
    assert_eq!(plan[..2], ["REGISTRATION", "GET_USER_SYNC_CONSENT"]);
    assert!(!plan.contains(&"GET_PRESENCE_CONSENT"));

    ctt().args(["action-types", "--services", "pbx,call_recording"]).assert().success().stdout(
        predicate::str::contains("Consent plan:").and(predicate::str::contains("GET_CALL_RECORDING_CONSENT")),
    );
}

#[test]
fn unknown_service_is_a_usage_error_in_both_formats() {
    ctt()
        .args(["action-types", "--services", "fax"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown service").and(predicate::str::contains("panicked").not()));
    let out = ctt().args(["--output", "json", "action-types", "--services", "fax"]).assert().code(2);
    let doc = &json_lines(&out.get_output().stdout)[0];
    assert_eq!(doc["error"]["kind"], "invalid_input");
    assert!(doc["error"]["message"].as_str().unwrap().contains("fax"));
}

#[test]
fn clap_usage_errors_exit_2() {
    ctt().assert().code(2);
    ctt().args(["no-such-command"]).assert().code(2);
    ctt()
        .args(["action-url", "--type", "NOPE", "--enterprise", "A", "--redirect-url", "https://x.example/cb"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("GET_CDR_CONSENT"));
    ctt()
        .args([
            "bulk",
            "--type",
            "REGISTRATION",
            "--input",
            "x.csv",
            "--redirect-url",
            "https://a.example",
            "-o",
            "o.csv",
            "--concurrency",
            "0",
        ])
        .assert()
        .code(2);
    ctt().args(["--help"]).assert().success().stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn inspect_url_takes_an_authorize_url_apart() {
    let url = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=abc-123&scope=openid%20User.Read.All&response_mode=form_post&redirect_uri=https%3A%2F%2Fapi.example%2Fcb&state=s1&nonce=n1&response_type=id_token%20code";
    let out = ctt().args(["inspect-url", url, "--output", "json"]).assert().success();
    let doc = &json_lines(&out.get_output().stdout)[0];
    assert_eq!(doc["host"], "login.microsoftonline.com");
    assert_eq!(doc["is_authorize"], true);
    assert_eq!(doc["client_id"], "abc-123");
    assert_eq!(doc["scopes"], serde_json::json!(["openid", "User.Read.All"]));
    assert_eq!(doc["redirect_uri"], "https://api.example/cb");
    ctt()
        .args(["inspect-url", url])
        .assert()
        .success()
        .stdout(predicate::str::contains("client id: abc-123"));
    let out = ctt().args(["inspect-url", "ftp://nope", "--output", "json"]).assert().code(2);
    assert_eq!(json_lines(&out.get_output().stdout)[0]["error"]["kind"], "invalid_input");
}

#[test]
fn parse_callback_consent_redirects() {
    let out = ctt()
        .args([
            "parse-callback",
            "--url",
            "/cb?success=User Sync Consent Completed Successfully",
            "--output",
            "json",
        ])
        .assert()
        .success();
    let ev = &json_lines(&out.get_output().stdout)[0];
    assert_eq!(ev["kind"], "consent_succeeded");
    assert_eq!(ev["message"], "User Sync Consent Completed Successfully");
    assert!(ev["state"].is_null());

    ctt()
        .args([
            "parse-callback",
            "--url",
            "/cb?error=Unable to Complete the process. User is not a Global Admin",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("consent_failed: Unable to Complete"));

    // A message cannot drive the terminal: control characters are printed escaped as text,
    // while the JSON output keeps the message as received.
    let out = ctt()
        .args(["parse-callback", "--url", "/cb?success=ok%1b%5b2J%c2%9b31m%0aforged"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text, "consent_succeeded: ok\\u{1b}[2J\\u{9b}31m\\u{a}forged\n");
    let out = ctt()
        .args(["parse-callback", "--url", "/cb?success=ok%1b%5b2J", "--output", "json"])
        .assert()
        .success();
    assert_eq!(json_lines(&out.get_output().stdout)[0]["message"], "ok\u{1b}[2J");

    let out =
        ctt().args(["parse-callback", "--url", "/cb?nothing=here", "--output", "json"]).assert().code(1);
    assert_eq!(json_lines(&out.get_output().stdout)[0]["error"]["kind"], "malformed_callback");
    let out = ctt()
        .args(["parse-callback", "--method", "DELETE", "--url", "/cb?success=x", "--output", "json"])
        .assert()
        .code(1);
    assert_eq!(json_lines(&out.get_output().stdout)[0]["error"]["kind"], "method_not_allowed");
}

#[test]
fn parse_callback_json_body_from_stdin_and_file_redacts_tokens() {
    let token = "eyJhbGciOiJub25lIn0.eyJleHAiOjE5MDAwMDAwMDAsInRpZCI6InRlbmFudC0xIn0.c2VjcmV0LXNpZ25hdHVyZQ";
    let body = serde_json::json!({
        "msalAuthenticationResult": {"authenticationResult": {
            "accessTokenType": "Bearer", "accessToken": token, "refreshToken": "refresh-SECRET-value",
            "idToken": "id-SECRET-value", "expiresOn": 1_900_000_000_000_000i64,
            "userInfo": {"displayableId": "admin@acme.example", "tenantId": "tenant-1"},
        }},
        "organization": "Acme",
    })
    .to_string();
    for (file_arg, stdin) in [("-", Some(body.clone())), ("body.json", None)] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("body.json"), &body).unwrap();
        let mut cmd = ctt();
        cmd.current_dir(dir.path()).args([
            "parse-callback",
            "--url",
            "/cb",
            "--content-type",
            "application/json",
            "--body-file",
            file_arg,
            "--output",
            "json",
        ]);
        if let Some(s) = stdin {
            cmd.write_stdin(s);
        }
        let out = cmd.assert().success().get_output().clone();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        for secret in [token, "SECRET", "c2VjcmV0"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let ev = &json_lines(&out.stdout)[0];
        assert_eq!(ev["kind"], "authenticated");
        assert_eq!(ev["access_token"], "[REDACTED]");
        assert_eq!(ev["user"]["displayable_id"], "admin@acme.example");
    }
    ctt()
        .args(["parse-callback", "--body-file", "/no/such/file"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the body"));
}

#[test]
fn parse_callback_verifies_state_tokens() {
    // Without a token: rejected as missing; with a forged one: rejected.
    let out = ctt()
        .env("CTT_STATE_KEY", KEY)
        .args(["parse-callback", "--url", "/cb?success=ok", "--output", "json"])
        .assert()
        .code(1);
    assert_eq!(json_lines(&out.get_output().stdout)[0]["error"]["kind"], "state_rejected");
    ctt()
        .env("CTT_STATE_KEY", KEY)
        .args(["parse-callback", "--url", "/cb?success=ok&ctt_state=forged"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("state_rejected"));
    // A too-short key is a usage error, and the key never shows.
    ctt()
        .args(["--state-key", "short-KEY-value", "parse-callback", "--url", "/cb?success=ok"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("short-KEY-value").not());
}

#[test]
fn help_never_shows_secret_env_values() {
    ctt()
        .env("CTT_CLIENT_SECRET", "client-SECRET-xyz")
        .env("CTT_PASSWORD", "pw-SECRET-xyz")
        .env("CTT_TOKEN", "tok-SECRET-xyz")
        .env("CTT_STATE_KEY", KEY)
        .args(["token", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("SECRET-xyz").not().and(predicate::str::contains(KEY).not()));
}

#[test]
fn missing_credentials_is_a_usage_error() {
    let out = ctt().args(["token", "--output", "json"]).assert().code(2);
    let doc = &json_lines(&out.get_output().stdout)[0];
    assert_eq!(doc["error"]["kind"], "invalid_input");
    assert!(doc["error"]["message"].as_str().unwrap().contains("CTT_TOKEN"));
}
