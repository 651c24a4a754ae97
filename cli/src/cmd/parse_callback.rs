//! `ctt parse-callback [--method M] [--url URL] [--content-type CT] [--body-file F|-]`.

use std::io::Read;
use std::path::PathBuf;

use ctt_core::{CallbackHandler, CallbackRequest, DEFAULT_BODY_LIMIT};

use crate::config::Global;
use crate::fail::{Failure, Outcome, EXIT_OK};
use crate::output::event_text;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The HTTP method (default: POST with a body, GET without).
    #[arg(long)]
    method: Option<String>,
    /// The request URL or target, e.g. `/cb?success=…` or a full URL.
    #[arg(long, default_value = "/")]
    url: String,
    /// The Content-Type header.
    #[arg(long)]
    content_type: Option<String>,
    /// A file holding the body, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

pub fn run(args: Args, g: &Global) -> Outcome {
    let body = match &args.body_file {
        None => Vec::new(),
        Some(path) => read_body(path)?,
    };
    let method =
        args.method.clone().unwrap_or_else(|| if args.body_file.is_some() { "POST" } else { "GET" }.into());
    let mut handler = CallbackHandler::new();
    if let Some((signer, placement)) = g.signer()? {
        handler = handler.with_state(signer, placement);
    }
    let request = CallbackRequest::new(&method, &args.url).with_body(args.content_type.as_deref(), &body);
    let event = handler.handle(&request)?;
    let doc = event.to_json();
    g.out().emit(&doc, || event_text(&doc));
    Ok(EXIT_OK)
}

/// Reads at most one byte over the handler's limit, so an oversized body is reported as such.
fn read_body(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    let limit = (DEFAULT_BODY_LIMIT + 1) as u64;
    let result = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut body)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut body))
    };
    result.map_err(|e| Failure::usage(format!("cannot read the body from {}: {e}", path.display())))?;
    Ok(body)
}
