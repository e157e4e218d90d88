//! Executor building blocks that know nothing of expressions: decoding Segment-Spec
//! lines, the identity graph, messageId de-duplication, output lines, holdout
//! hashing and time formats.
pub mod decode;
pub mod dedup;
pub mod holdout;
pub mod identity;
pub mod output;
pub mod time;
