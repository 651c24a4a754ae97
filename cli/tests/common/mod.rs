//! Shared helpers: an in-process mock of the API, the `ctt` command, JSON lines, secret checks.
#![allow(dead_code)]

use std::process::Output;

use assert_cmd::Command;
use ctt_server::mock::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_TOKEN, DEMO_USERNAME};
use ctt_server::{MockConfig, MockServer};
use serde_json::Value;

/// Environment variables the CLI reads; removed so the host's values never leak into a test.
pub const VARS: [&str; 7] = [
    "CTT_BASE_URL",
    "CTT_CLIENT_ID",
    "CTT_CLIENT_SECRET",
    "CTT_USERNAME",
    "CTT_PASSWORD",
    "CTT_TOKEN",
    "CTT_STATE_KEY",
];

/// A state key of 41 bytes.
pub const KEY: &str = "0123456789abcdef0123456789abcdef-test-key";

/// Values that must never appear in any output.
pub const SECRETS: [&str; 4] = [DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_TOKEN, KEY];

/// `ctt` with a clean environment.
pub fn ctt() -> Command {
    let mut c = Command::cargo_bin("ctt").unwrap();
    for var in VARS {
        c.env_remove(var);
    }
    c
}

/// The mock, running on its own runtime for as long as the value lives.
pub struct Mock {
    pub rt: tokio::runtime::Runtime,
    pub server: Option<MockServer>,
}

impl Mock {
    pub fn start() -> Mock {
        Mock::with(MockConfig::default())
    }

    pub fn with(config: MockConfig) -> Mock {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let server = rt.block_on(MockServer::start(config)).unwrap();
        Mock { rt, server: Some(server) }
    }

    pub fn server(&self) -> &MockServer {
        self.server.as_ref().unwrap()
    }

    pub fn url(&self) -> String {
        self.server().base_url()
    }

    /// `ctt` configured for the password grant against this mock.
    pub fn ctt(&self) -> Command {
        let mut c = ctt();
        c.env("CTT_BASE_URL", self.url())
            .env("CTT_CLIENT_ID", DEMO_CLIENT_ID)
            .env("CTT_CLIENT_SECRET", DEMO_CLIENT_SECRET)
            .env("CTT_USERNAME", DEMO_USERNAME)
            .env("CTT_PASSWORD", DEMO_PASSWORD);
        c
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// Every stdout line parsed as JSON.
pub fn json_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Fails if stdout or stderr holds a secret (or a panic).
pub fn assert_no_secrets(out: &Output) {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s:?} in output:\n{text}");
    }
    assert!(!text.contains("panicked"), "panic in output:\n{text}");
}
