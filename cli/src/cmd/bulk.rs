//! `ctt bulk --type T --input enterprises.csv --redirect-url URL [--concurrency N] --out FILE`.
//!
//! Input: a CSV file with a header row that has an `enterprise` column (any case, a UTF-8 BOM
//! is fine; other columns are ignored). Output: one result per input row, in input order, as CSV or JSON.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ctt_core::{validate_redirect_url, ActionType, ActionUrl, ActionUrlRequest, ErrorKind};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};

use crate::config::{parse_action_type, Global};
use crate::fail::{error_json, one_line, Failure, Outcome, EXIT_FAILED, EXIT_OK};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The action type for every row.
    #[arg(long = "type", value_parser = parse_action_type)]
    action_type: ActionType,
    /// The CSV file: a header row with an `enterprise` column, then one enterprise per row.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Your webhook, for every row.
    #[arg(long)]
    redirect_url: String,
    /// How many requests are in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Where the results go.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: PathBuf,
    /// The input's field delimiter (e.g. `;` for spreadsheet exports in some locales).
    #[arg(long, default_value_t = ',', value_parser = parse_delimiter)]
    delimiter: char,
    /// The results' format (default: json for a `.json` file, otherwise csv).
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FileFormat {
    Csv,
    Json,
}

/// One input row: its line in the file and the enterprise name.
struct Row {
    line: u64,
    enterprise: String,
}

pub async fn run(args: Args, g: &Global) -> Outcome {
    validate_redirect_url(&args.redirect_url)?;
    let rows = read_rows(&args.input, args.delimiter as u8)?;
    let signer = g.signer()?;
    let client = g.client()?;
    let requests: Vec<ActionUrlRequest> = rows
        .iter()
        .map(|r| {
            let req = ActionUrlRequest::new(args.action_type, &r.enterprise, &args.redirect_url);
            match &signer {
                Some((s, p)) => req.with_state(s.clone(), p.clone()),
                None => req,
            }
        })
        .collect();

    let bar = progress_bar(rows.len() as u64);
    let started = Instant::now();
    let concurrency = usize::from(args.concurrency);
    let results = client.get_action_item_urls_with_progress(&requests, concurrency, |_, _| bar.inc(1)).await;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    let records: Vec<Value> =
        rows.iter().zip(&results).enumerate().map(|(i, (row, res))| record(i + 1, row, res)).collect();
    let format =
        args.format.unwrap_or(if args.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            FileFormat::Json
        } else {
            FileFormat::Csv
        });
    write_results(&args.out, format, &records)?;

    let failed = results.iter().filter(|r| r.is_err()).count();
    let rate = if seconds > 0.0 { rows.len() as f64 / seconds } else { 0.0 };
    let summary = json!({
        "rows": rows.len(),
        "succeeded": rows.len() - failed,
        "failed": failed,
        "out": args.out.display().to_string(),
        "format": if format == FileFormat::Json { "json" } else { "csv" },
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "rows_per_second": rate.round(),
    });
    let out = g.out();
    out.emit(&summary, || {
        format!(
            "{} rows: {} succeeded, {} failed, in {seconds:.2} s ({rate:.0} rows/s); results in {}",
            rows.len(),
            rows.len() - failed,
            failed,
            args.out.display()
        )
    });
    for rec in records.iter().filter(|r| r["ok"] == false).take(10) {
        out.note(&format!(
            "  row {} (line {}) {:?}: {}: {}",
            rec["row"],
            rec["line"],
            rec["enterprise"].as_str().unwrap_or(""),
            rec["error"]["kind"].as_str().unwrap_or(""),
            rec["error"]["message"].as_str().unwrap_or("")
        ));
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_FAILED })
}

fn parse_delimiter(s: &str) -> Result<char, String> {
    match s.chars().collect::<Vec<_>>()[..] {
        [c] if c.is_ascii() && c != '"' && c != '\n' => Ok(c),
        _ => Err("expected one ASCII character".into()),
    }
}

fn read_rows(path: &Path, delimiter: u8) -> Result<Vec<Row>, Failure> {
    let bad = |e: &dyn std::fmt::Display| Failure::usage(format!("cannot read {}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| bad(&e))?;
    let headers = reader.headers().map_err(|e| bad(&e))?.clone();
    let column = headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case("enterprise"))
        .ok_or_else(|| {
            Failure::usage(format!("{}: the header row has no `enterprise` column", path.display()))
        })?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(&e))?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push(Row { line, enterprise: record.get(column).unwrap_or("").to_owned() });
    }
    if rows.is_empty() {
        return Err(Failure::usage(format!("{}: no rows after the header", path.display())));
    }
    Ok(rows)
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}") {
        bar.set_style(style);
    }
    bar
}

/// One result row: `row` (1-based data row), `line` (in the file), `enterprise`, `ok`, `url`,
/// `redirect_url`, `state_token`, `error` (`{"kind","message"}` or null).
fn record(index: usize, row: &Row, result: &ctt_core::Result<ActionUrl>) -> Value {
    match result {
        Ok(u) => json!({
            "row": index, "line": row.line, "enterprise": row.enterprise, "ok": true,
            "url": u.url, "redirect_url": u.redirect_url, "state_token": u.state_token, "error": null,
        }),
        Err(e) => json!({
            "row": index, "line": row.line, "enterprise": row.enterprise, "ok": false,
            "url": null, "redirect_url": null, "state_token": null,
            "error": error_json(e.kind(), e.message())["error"],
        }),
    }
}

const CSV_COLUMNS: [&str; 9] =
    ["row", "line", "enterprise", "ok", "url", "redirect_url", "state_token", "error_kind", "error_message"];

fn write_results(path: &Path, format: FileFormat, records: &[Value]) -> Result<(), Failure> {
    let fail = |e: &dyn std::fmt::Display| {
        Failure::failed(
            ErrorKind::Internal,
            format!("cannot write {}: {}", path.display(), one_line(&e.to_string())),
        )
    };
    match format {
        FileFormat::Json => {
            let text = serde_json::to_string_pretty(records).map_err(|e| fail(&e))?;
            std::fs::write(path, text + "\n").map_err(|e| fail(&e))
        }
        FileFormat::Csv => {
            let mut w = csv::Writer::from_path(path).map_err(|e| fail(&e))?;
            w.write_record(CSV_COLUMNS).map_err(|e| fail(&e))?;
            for r in records {
                let cell = |v: &Value| match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let fields = [
                    cell(&r["row"]),
                    cell(&r["line"]),
                    cell(&r["enterprise"]),
                    cell(&r["ok"]),
                    cell(&r["url"]),
                    cell(&r["redirect_url"]),
                    cell(&r["state_token"]),
                    cell(&r["error"]["kind"]),
                    cell(&r["error"]["message"]),
                ];
                w.write_record(&fields).map_err(|e| fail(&e))?;
            }
            w.flush().map_err(|e| fail(&e))
        }
    }
}
