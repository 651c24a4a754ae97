//! Waiting for Ctrl-C or SIGTERM, for the subcommands that serve until stopped.

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, caught from the moment [`Stop::install`] returns:
/// create it before announcing that the server runs, so an early signal is not lost.
#[derive(Debug)]
pub struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    pub fn install() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Stop { signals: signal(SignalKind::interrupt()).ok().zip(signal(SignalKind::terminate()).ok()) }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    /// Resolves when a signal arrives (cancel-safe: signals wait in the streams).
    pub async fn wait(&mut self) {
        #[cfg(unix)]
        if let Some((int, term)) = &mut self.signals {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A fresh random 32-byte state key, for flows that sign and verify in the same process.
pub fn random_key() -> [u8; 32] {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    key
}
