//! Where sufler keeps its data and looks for a catalogue on this platform, through the
//! `directories` crate (on Linux the XDG base directories: `$XDG_DATA_HOME/sufler`,
//! `$XDG_CONFIG_HOME/sufler`, each only when absolute, else under `~/.local/share` and
//! `~/.config`).

use directories::ProjectDirs;

/// sufler's directories; `None` when no home directory can be found.
pub fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "sufler")
}
