//! `ctt`: the ConnectToTeams consent flow from the command line. See `cli/README.md`.
//!
//! The CLI only parses arguments, calls ctt-core and ctt-server, and prints. Exit codes:
//! 0 ok, 1 operation failed, 2 usage error.

mod cmd;
mod config;
mod fail;
mod output;
mod qr;

use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "ctt", version, about = "The ConnectToTeams enterprise consent flow from the command line")]
#[command(after_help = "Exit codes: 0 ok, 1 operation failed, 2 usage error.")]
struct Cli {
    #[command(flatten)]
    global: config::Global,
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    // No backtraces for users: a bug is reported on one line, with the conventional exit code 101.
    std::panic::set_hook(Box::new(|info| {
        output::eprintln_safe(&format!("ctt: internal error (a bug, please report it): {info}"));
    }));
    let cli = Cli::parse();
    let out = cli.global.out();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            out.error(&fail::Failure::failed(
                ctt_core::ErrorKind::Internal,
                format!("no async runtime: {e}"),
            ));
            return ExitCode::from(fail::EXIT_FAILED);
        }
    };
    match runtime.block_on(cmd::run(cli.command, &cli.global)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            out.error(&failure);
            ExitCode::from(failure.exit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_options_redacts_secrets() {
        let cli = Cli::try_parse_from([
            "ctt",
            "--client-secret",
            "cs-SECRET",
            "--password",
            "pw-SECRET",
            "--token",
            "tok-SECRET",
            "--state-key",
            "key-SECRET-0123456789abcdef0123456789",
            "token",
        ])
        .unwrap();
        let text = format!("{cli:?} {cli:#?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("[REDACTED]"));
    }
}
