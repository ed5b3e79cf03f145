//! What is wrong with a `--db` path, found before sled is asked to open it: sled's own errors
//! («File exists (os error 17)», «Permission denied») name neither the path nor the problem.

use std::path::Path;

use super::StoreError;

/// A short reason for an I/O error, without the `(os error N)` tail.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => "permission denied".into(),
        Some(libc::EROFS) => "read-only file system".into(),
        Some(libc::ENOSPC) => "no space left on device".into(),
        Some(libc::ENOTDIR) => "a part of the path is a file, not a directory".into(),
        Some(libc::ENOENT) => "no such file or directory".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// Checks a database directory that may not exist yet: a file there is
/// [`StoreError::NotADirectory`]; an existing directory this process cannot create a file in
/// (its permissions, a read-only mount, an immutable attribute: whatever stops the write,
/// root included) is [`StoreError::NotWritable`]. `Ok(true)` when the directory exists.
pub fn check_dir(path: &Path) -> Result<bool, StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => return Err(StoreError::NotADirectory(path.to_path_buf())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(StoreError::NotWritable {
                path: path.to_path_buf(),
                reason: io_reason(&e),
            })
        }
    }
    probe(path).map_err(|e| StoreError::NotWritable {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    })?;
    Ok(true)
}

/// Creates a file in `dir` and removes it. The one honest test of writability is a write:
/// permission bits say nothing of a read-only mount or an immutable directory, and root
/// passes every permission check.
fn probe(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".sufler-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => std::fs::remove_file(&probe),
        // Left by an earlier process with the same id that was killed at this very point.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::remove_file(&probe),
        Err(e) => Err(e),
    }
}

/// Checks where `restore` is to create a database: not a file; an existing (empty) directory
/// writable; else a parent directory that exists and is writable, where it is made.
pub fn check_new_dir(path: &Path) -> Result<(), StoreError> {
    if check_dir(path)? {
        return Ok(());
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match std::fs::metadata(parent) {
        Ok(meta) if meta.is_dir() => probe(parent),
        // A missing parent is made by the restore itself, through its own parents.
        Ok(_) => Err(std::io::Error::from_raw_os_error(libc::ENOTDIR)),
        Err(_) => Ok(()),
    }
    .map_err(|source| StoreError::CreateDir {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_not_a_database_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(check_dir(&file), Err(StoreError::NotADirectory(p)) if p == file));
    }

    #[test]
    fn a_missing_directory_is_fine_and_an_existing_one_is_left_clean() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!check_dir(&dir.path().join("new")).unwrap());
        assert!(check_dir(dir.path()).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
