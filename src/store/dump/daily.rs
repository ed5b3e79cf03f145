//! The daily backups beside the database.

use super::*;

/// Where automatic daily backups of the database at `db` go: a sibling directory,
/// `<db>-backups` (so `~/.local/share/sufler-backups/` by default), which survives the loss
/// of the database directory itself.
pub fn daily_backup_dir(db: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let name = abs.file_name().map_or_else(
        || "sufler".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    parent_dir(&abs).join(format!("{name}-backups"))
}

fn is_daily_name(name: &str) -> bool {
    name.strip_prefix("sufler-")
        .and_then(|rest| rest.strip_suffix(".jsonl"))
        .is_some_and(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok())
}

/// The daily backup: if `keep > 0` and there is no backup of `today` yet, writes
/// `sufler-YYYY-MM-DD.jsonl` into [`daily_backup_dir`] (0700; the file 0600) and removes the
/// oldest beyond `keep`. The new file's path, or `None` when there was nothing to do.
pub fn daily_backup(
    store: &SledStore,
    keep: usize,
    today: NaiveDate,
) -> Result<Option<PathBuf>, DumpError> {
    if keep == 0 {
        return Ok(None);
    }
    let dir = daily_backup_dir(store.path());
    let werr = |source| DumpError::Write {
        path: dir.clone(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(werr)?;
    std::fs::set_permissions(&dir, Permissions::from_mode(0o700)).map_err(werr)?;
    let file = dir.join(format!("sufler-{}.jsonl", today.format("%Y-%m-%d")));
    if file.exists() {
        return Ok(None);
    }
    write_backup(store, &file, &mut |_, _| {})?;
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(werr)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_daily_name(n))
        .collect();
    // ISO dates sort as text.
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for old in &names[..excess] {
        let _ = std::fs::remove_file(dir.join(old));
    }
    if excess > 0 {
        let _ = sync_dir(&dir);
    }
    Ok(Some(file))
}

/// The newest daily backup of the database at `db`, if any (for the recovery message).
pub fn latest_daily_backup(db: &Path) -> Option<PathBuf> {
    let dir = daily_backup_dir(db);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_daily_name(n))
        .collect();
    names.sort();
    names.pop().map(|n| dir.join(n))
}
