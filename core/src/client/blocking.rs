//! The blocking face of [`Client`], driven by one runtime shared by all clones.

use std::sync::Arc;

use tokio::runtime::{Handle, Runtime};

use super::{AccessToken, ActionUrlRequest, Client};
use crate::error::{Error, ErrorKind, Result};
use crate::response::ActionUrl;

/// A blocking client for threads outside any async runtime. Clones share the client and the
/// runtime; it is `Send + Sync`, so many threads can call one instance at once.
#[derive(Clone, Debug)]
pub struct BlockingClient {
    client: Client,
    handle: Handle,
    _owned: Option<Arc<Runtime>>,
}

impl BlockingClient {
    /// Drives `client` on a new two-thread runtime owned by this client and its clones.
    pub fn new(client: Client) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ctt-runtime")
            .enable_all()
            .build()
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot start the runtime: {e}")))?;
        Ok(BlockingClient { client, handle: rt.handle().clone(), _owned: Some(Arc::new(rt)) })
    }

    /// Drives `client` on an existing runtime (a binding's single library runtime).
    pub fn with_handle(client: Client, handle: Handle) -> Self {
        BlockingClient { client, handle, _owned: None }
    }

    /// The async client inside.
    pub fn async_client(&self) -> &Client {
        &self.client
    }

    fn block<T>(&self, fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        if Handle::try_current().is_ok() {
            return Err(Error::new(
                ErrorKind::Internal,
                "a blocking ctt call was made from inside an async runtime; use the async client there",
            ));
        }
        self.handle.block_on(fut)
    }

    /// See [`Client::get_action_item_url`].
    pub fn get_action_item_url(&self, request: &ActionUrlRequest) -> Result<ActionUrl> {
        self.block(self.client.get_action_item_url(request))
    }

    /// See [`Client::get_action_item_urls`].
    pub fn get_action_item_urls(
        &self,
        requests: &[ActionUrlRequest],
        concurrency: usize,
    ) -> Vec<Result<ActionUrl>> {
        match self.block(async { Ok(self.client.get_action_item_urls(requests, concurrency).await) }) {
            Ok(v) => v,
            Err(e) => requests.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    /// See [`Client::fetch_token`].
    pub fn fetch_token(&self) -> Result<AccessToken> {
        self.block(self.client.fetch_token())
    }
}
