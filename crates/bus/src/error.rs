/// Errors of the bus itself (handler failures are [`crate::HandleError`]).
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Redis refused or could not be reached.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// An entry or reply did not have the expected shape.
    #[error("unexpected reply: {0}")]
    Protocol(String),
}
