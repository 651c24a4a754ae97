//! The accept loop both servers share: hyper's HTTP/1 connection builder with the Tokio timer
//! installed (so the header-read timeout fires), a connection cap, and graceful shutdown.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use ctt_core::{Error, ErrorKind, Result};
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Body = BoxBody<Bytes, BoxError>;

/// What a handler knows about its connection.
#[derive(Debug)]
pub(crate) struct ConnInfo {
    /// Set it and fail the request to end the connection with a TCP reset.
    pub reset_on_close: Arc<AtomicBool>,
}

/// How a server treats connections.
#[derive(Debug, Clone)]
pub(crate) struct ServeOptions {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight before closing their connections.
    pub grace: Duration,
    /// The largest request head (request line and headers) accepted, in bytes.
    pub max_head_bytes: usize,
}

/// A server task; dropping it stops the server (without waiting).
#[derive(Debug)]
pub(crate) struct Running {
    pub local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish (up to the grace period), then returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Connections the kernel queues before `accept` (tokio's default is 128: past the connection
/// cap plus 128 waiting clients, the rest fell back to SYN retries of a second or more).
const LISTEN_BACKLOG: u32 = 1024;

/// Binds a TCP listener, mapping failures to ctt errors.
pub(crate) async fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    let listen = || {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        // As `TcpListener::bind` does: a restarted server can bind while old connections linger.
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(LISTEN_BACKLOG)
    };
    listen().map_err(|e| {
        let kind = match e.kind() {
            io::ErrorKind::AddrInUse | io::ErrorKind::AddrNotAvailable | io::ErrorKind::PermissionDenied => {
                ErrorKind::InvalidInput
            }
            _ => ErrorKind::Transport,
        };
        Error::new(kind, format!("cannot bind the {what} to {addr}: {e}"))
    })
}

/// Serves `listener` until stopped. `handler` answers each request; an `Err` closes the
/// connection without an answer (with a TCP reset if the handler set `reset_on_close`).
pub(crate) fn spawn<H, F>(listener: TcpListener, opts: ServeOptions, handler: H) -> Result<Running>
where
    H: Fn(Request<Incoming>, Arc<ConnInfo>) -> F + Send + Sync + 'static,
    F: Future<Output = std::result::Result<Response<Body>, BoxError>> + Send + 'static,
{
    let local_addr = listener
        .local_addr()
        .map_err(|e| Error::new(ErrorKind::Transport, format!("cannot read the bound address: {e}")))?;
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, opts, Arc::new(handler), stop_rx));
    Ok(Running { local_addr, stop, task: Some(task) })
}

async fn accept_loop<H, F>(
    listener: TcpListener,
    opts: ServeOptions,
    handler: Arc<H>,
    mut stop: watch::Receiver<bool>,
) where
    H: Fn(Request<Incoming>, Arc<ConnInfo>) -> F + Send + Sync + 'static,
    F: Future<Output = std::result::Result<Response<Body>, BoxError>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut conns = JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout)
        .keep_alive(true)
        .max_buf_size(opts.max_head_bytes.max(8192));
    loop {
        // Wait for a free connection slot first: at the cap, new clients wait in the backlog.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = stop.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let reset_on_close = Arc::new(AtomicBool::new(false));
        let info = Arc::new(ConnInfo { reset_on_close: reset_on_close.clone() });
        let io = TokioIo::new(ResettableStream { inner: stream, reset: reset_on_close });
        let h = handler.clone();
        let service = service_fn(move |req| h(req, info.clone()));
        let conn = graceful.watch(builder.serve_connection(io, service));
        conns.spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    let grace = opts.grace;
    let drain = async {
        graceful.shutdown().await;
        while conns.join_next().await.is_some() {}
    };
    if tokio::time::timeout(grace, drain).await.is_err() {
        tracing::debug!("grace period over; closing the remaining connections");
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// A TCP stream that closes with a reset (SO_LINGER 0) when asked to.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    TooLarge,
    TimedOut,
    Read(String),
}

/// Reads at most `limit` bytes of body within `timeout` (a declared `Content-Length` over the
/// limit fails before anything is read).
pub(crate) async fn read_body(
    req: Request<Incoming>,
    limit: usize,
    timeout: Duration,
) -> std::result::Result<(http::request::Parts, Bytes), BodyError> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(BodyError::TimedOut),
        Ok(Ok(collected)) => Ok((parts, collected.to_bytes())),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            Err(BodyError::TooLarge)
        }
        Ok(Err(e)) => Err(BodyError::Read(e.to_string())),
    }
}

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

pub(crate) fn respond(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response<Body> {
    respond(status, "application/json", value.to_string())
}

pub(crate) fn html(status: u16, page: String) -> Response<Body> {
    let mut r = respond(status, "text/html; charset=utf-8", page);
    let h = r.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}

pub(crate) fn redirect(status: u16, location: &str) -> Response<Body> {
    let mut r = respond(status, "text/plain; charset=utf-8", Bytes::new());
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `http://HOST:PORT` for a bound address, with a wildcard address replaced by loopback.
pub(crate) fn base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => {
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        }
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => {
            std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
        }
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}
