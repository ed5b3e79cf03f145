//! The consultation: a pure state machine over a script's stages (no I/O).

pub mod call;
pub mod engine;
pub mod model;
pub mod names;
pub mod reach;

pub use call::*;
pub use engine::*;
pub use model::*;
pub use reach::*;
