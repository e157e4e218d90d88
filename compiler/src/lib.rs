//! Seg compiler: `.seg` text to a checked program and an executable plan.
//!
//! Pipeline: `syntax` (pest parser, logos lexer) → `hir` (resolved, typed program)
//! → `check` (purposes, PII, retention, cycles) → `ir` (the runtime's plan). The
//! `db` module ties the stages together as salsa queries. This crate does no IO and
//! contains no unsafe code.
#![forbid(unsafe_code)]

pub mod check;
pub mod db;
pub mod diagnostics;
pub mod fmt;
pub mod hir;
pub mod ide;
pub mod ir;
pub mod syntax;
