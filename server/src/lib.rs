//! # ctt-server
//!
//! The two servers every user of the ctt SDK needs:
//!
//! - [`mock`]: an in-process mock of the ConnectToTeams API (`/oauth/token`,
//!   `/enterprise/getActionItemUrl`) with a simulated Global Admin behind a Microsoft-like
//!   authorize page, scriptable fault injection and a request log, also drivable over HTTP
//!   (`/__ctt/…`) from tests in any language;
//! - [`listener`]: a hardened webhook listener that turns what reaches the `redirectUrl` into
//!   [`ctt_core::CallbackEvent`]s with the core's [`ctt_core::CallbackHandler`] and delivers each
//!   valid one exactly once.
//!
//! Both run on hyper with our own accept loop, so hyper's timer is installed (the header-read
//! timeout really fires), connections are capped and shutdown is graceful.

mod fault;
mod html;
mod http;
pub mod listener;
pub mod mock;

pub use fault::{fault_flag, Endpoint, Fault};
pub use listener::{EventSink, Listener, ListenerConfig};
pub use mock::{
    ConsentDelivery, Decision, DeliveryStyle, MockAccount, MockConfig, MockServer, RecordedRequest,
};
