//! Sufler, the sales prompter for retail-bank branch officers.
//!
//! `catalog` reads the trainer's files; `report` computes the managers' statistics and
//! exports; `cli` is the command line. The binary is a thin
//! wrapper around [`cli::run`].

pub mod catalog;
pub mod cli;
pub mod clock;
pub mod consultation;
pub mod demo;
pub mod lang;
pub mod platform_dirs;
pub mod progress;
pub mod report;
pub mod store;
pub mod sync;
pub mod tui;
