//! Where a database's open time and memory go: the time of sled's own open (recovery from
//! its last snapshot and the log after it) against Sufler's open, the resident memory after
//! each, the snapshot and log files, and per tree the keys and bytes (sled splits a leaf
//! page at 16 keys, so its page table grows with the number of keys, not their size).
//!
//! Run: `cargo run --release --example db_anatomy -- DB_DIR [--no-trees] [--compact]`. It opens the
//! database (so sled writes a new snapshot if the log moved on); use it on a copy.

use std::time::Instant;

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len() + 1..].trim().to_string())
        })
        .unwrap_or_default()
}

fn files(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let size = e.metadata().map(|m| m.len()).unwrap_or(0);
            out.push((e.file_name().to_string_lossy().into_owned(), size));
        }
    }
    out.sort();
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: db_anatomy DB_DIR [--no-trees] [--compact]");
        std::process::exit(2);
    };
    let trees = !args.iter().any(|a| a == "--no-trees");
    if args.iter().any(|a| a == "--compact") {
        let t = Instant::now();
        if let Err(e) = sufler::store::SledStore::compact(&path, &mut |_, _| {}) {
            eprintln!("compact: {e}");
            std::process::exit(1);
        }
        println!("compacted in {:.1} s", t.elapsed().as_secs_f64());
    }
    for (name, size) in files(&path) {
        println!("file {name}: {:.1} MB", size as f64 / 1e6);
    }
    println!("before open: VmRSS {}", status("VmRSS"));
    let t = Instant::now();
    let db = match sled::Config::new()
        .path(&path)
        .cache_capacity(64 * 1024 * 1024)
        .open()
    {
        Ok(db) => db,
        Err(e) => {
            eprintln!("cannot open {}: {e}", path.display());
            std::process::exit(1);
        }
    };
    println!(
        "sled open: {:.0} ms, VmRSS {}, VmHWM {}",
        t.elapsed().as_secs_f64() * 1000.0,
        status("VmRSS"),
        status("VmHWM")
    );
    for (name, size) in files(&path) {
        if name.starts_with("snap") {
            println!("after open, {name}: {:.1} MB", size as f64 / 1e6);
        }
    }
    let mut all_keys = 0u64;
    if trees {
        let mut names: Vec<_> = db.tree_names();
        names.sort();
        for name in names {
            let Ok(tree) = db.open_tree(&name) else {
                continue;
            };
            let (mut keys, mut key_bytes, mut value_bytes) = (0u64, 0u64, 0u64);
            let t = Instant::now();
            for (k, v) in tree.iter().flatten() {
                keys += 1;
                key_bytes += k.len() as u64;
                value_bytes += v.len() as u64;
            }
            all_keys += keys;
            println!(
                "tree {:<28} {:>9} keys {:>8.1} MB keys {:>8.1} MB values  (scan {:.0} ms)",
                String::from_utf8_lossy(&name),
                keys,
                key_bytes as f64 / 1e6,
                value_bytes as f64 / 1e6,
                t.elapsed().as_secs_f64() * 1000.0
            );
        }
        println!(
            "all trees: {all_keys} keys; after the scan VmRSS {}, VmHWM {}",
            status("VmRSS"),
            status("VmHWM")
        );
    }
    drop(db);
    let t = Instant::now();
    match sufler::store::SledStore::open(&path) {
        Ok(store) => {
            println!(
                "Sufler's open after it: {:.0} ms",
                t.elapsed().as_secs_f64() * 1000.0
            );
            drop(store);
        }
        Err(e) => println!("Sufler's open: {e}"),
    }
}
