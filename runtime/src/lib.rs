//! Seg runtime: decodes Segment-Spec messages, resolves identities, keeps the
//! event-time clock and evaluates the plan with the interpreter or the JIT.
pub mod decimal;
pub mod exec;
pub mod executor;
pub mod explain;
pub mod harness;
pub mod interp;
pub mod jit;
pub mod ops;
pub mod snapshot;
pub mod state;
#[cfg(test)]
mod testing;
pub mod value;
