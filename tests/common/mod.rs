//! Helpers shared by the integration tests.
//!
//! Each test file is a crate of its own that uses some of these helpers, not all.
#![allow(dead_code)]

pub mod pty;
