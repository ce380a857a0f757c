//! monitoring-bridge's pure core: the documents and the law's rules on them, and the message
//! log's hash chain.

pub mod log;
pub mod message;
