//! The executable plan: plain data the interpreter and the JIT both run.
pub mod lower;
pub mod plan;
pub mod reads;
pub mod schema;

pub use lower::lower;
pub use plan::Plan;
