//! Criterion benchmarks: callback parsing, redirect parsing, state tokens.
//! `cargo bench -p ctt-core --bench parsing`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ctt_core::*;

const SAMPLE: &str = include_str!("../../tests/fixtures/reference_callback.json");

fn bench(c: &mut Criterion) {
    c.bench_function("parse_authentication_result/reference", |b| {
        b.iter(|| parse_authentication_result(black_box(SAMPLE.as_bytes())).unwrap())
    });
    let handler = CallbackHandler::new();
    c.bench_function("handler/json_post", |b| {
        b.iter(|| {
            let req = CallbackRequest::new("POST", "/callback")
                .with_body(Some("application/json"), SAMPLE.as_bytes());
            handler.handle(black_box(&req)).unwrap()
        })
    });
    let redirect =
        "https://yourapp.com/callback?ctt_state=abc&success=User%20Sync%20Consent%20Completed%20Successfully";
    c.bench_function("parse_consent_redirect/encoded", |b| {
        b.iter(|| parse_consent_redirect(black_box(redirect)).unwrap())
    });
    let signer = FlowSigner::new(&[9u8; 32]).unwrap();
    c.bench_function("state/issue", |b| {
        b.iter(|| signer.issue(ActionType::UserSyncConsent, black_box("AcmeCorp")).unwrap())
    });
    let token = signer.issue(ActionType::UserSyncConsent, "AcmeCorp").unwrap();
    c.bench_function("state/verify", |b| b.iter(|| signer.verify(black_box(&token)).unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
