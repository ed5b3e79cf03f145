//! The interface language, shared by the screen (`tui`), the reports (`report`) and the
//! command line (`cli`, which parses `--lang ru|en` straight into it). It sits below all of
//! them and imports nothing of the crate.

/// The interface language (`--lang ru|en`); Russian is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    Ru,
    En,
}
