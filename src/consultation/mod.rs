//! The consultation: a pure state machine over a script's stages (no I/O).

pub mod call;
pub mod cancel;
pub mod engine;
pub mod model;
pub mod names;
pub mod reach;

pub use call::*;
pub use cancel::*;
pub use engine::*;
pub use model::*;
pub use reach::*;
