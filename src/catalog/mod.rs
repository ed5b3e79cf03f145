//! The trainer's files: formats, loading, diagnostics and lints.

pub mod changes;
pub mod diag;
pub mod load;
pub mod model;
pub mod placeholder;
pub mod promise;
mod raw;
pub mod schema;
pub mod suggest;
pub mod version;
pub mod watch;

use std::path::{Path, PathBuf};

pub use diag::{Code, Diagnostic, Severity, Source};
pub use load::{load_dir, load_sources, LoadReport};
pub use model::*;
pub use version::{CatalogVersion, PhraseSet, VersionTexts};
pub use watch::{CatalogNotice, CatalogWatch, Fallback, Reload};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The bundled products.toml, compiled in.
pub const BUNDLED_PRODUCTS: &str = include_str!("../../products.toml");

/// Where the catalogue in use comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogLocation {
    Dir(PathBuf),
    Bundled,
}

impl std::fmt::Display for CatalogLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogLocation::Dir(p) => write!(f, "{}", p.display()),
            CatalogLocation::Bundled => write!(f, "the catalogue built into sufler"),
        }
    }
}

/// `--catalog DIR`, else the current directory when it has products.toml, else
/// the platform's config directory for sufler (`directories`: on Linux
/// `$XDG_CONFIG_HOME/sufler/`, else `~/.config/sufler/`) when it has one, else the bundled copy.
pub fn locate(explicit: Option<&Path>) -> CatalogLocation {
    if let Some(dir) = explicit {
        return CatalogLocation::Dir(dir.to_path_buf());
    }
    if Path::new(load::PRODUCTS_FILE).is_file() {
        return CatalogLocation::Dir(PathBuf::from("."));
    }
    if let Some(dirs) = crate::platform_dirs::project() {
        let dir = dirs.config_dir();
        if dir.join(load::PRODUCTS_FILE).is_file() {
            return CatalogLocation::Dir(dir.to_path_buf());
        }
    }
    CatalogLocation::Bundled
}

/// The bundled files as sources.
pub fn bundled_sources() -> Vec<Source> {
    let mut sources = vec![Source {
        path: load::PRODUCTS_FILE.to_string(),
        text: BUNDLED_PRODUCTS.to_string(),
    }];
    sources.extend(bundled::BUNDLED_SCRIPTS.iter().map(|(path, text)| Source {
        path: path.to_string(),
        text: text.to_string(),
    }));
    sources
}

pub fn load(location: &CatalogLocation) -> LoadReport {
    match location {
        CatalogLocation::Dir(dir) => load_dir(dir),
        CatalogLocation::Bundled => load_sources(bundled_sources()),
    }
}

/// What is wrong with a `--catalog` path before anything in it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirProblem {
    /// Nothing at the path.
    Missing(PathBuf),
    /// A file, not a directory.
    NotADirectory(PathBuf),
}

/// Checks a directory given with `--catalog`: it must exist and be a directory. A directory
/// found without `--catalog` holds products.toml by definition.
pub fn check_dir(location: &CatalogLocation) -> Result<(), DirProblem> {
    let CatalogLocation::Dir(dir) = location else {
        return Ok(());
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(DirProblem::NotADirectory(dir.clone())),
        // A path through a file (`file/sub`) is as missing as a path to nothing.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.raw_os_error() == Some(libc::ENOTDIR) =>
        {
            Err(DirProblem::Missing(dir.clone()))
        }
        // Anything else (a directory on the way that cannot be entered) is said by the load.
        Err(_) => Ok(()),
    }
}
