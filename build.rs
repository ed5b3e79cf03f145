//! Compiles the bundled catalogue (products.toml and scripts/*.toml) into the binary, so an
//! installed `sufler` works anywhere. New script files are picked up without code changes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=products.toml");
    println!("cargo:rerun-if-changed=scripts");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let mut names: Vec<String> = std::fs::read_dir(root.join("scripts"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml") && !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from("pub const BUNDLED_SCRIPTS: &[(&str, &str)] = &[\n");
    for name in names {
        let path = root.join("scripts").join(&name);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            code,
            "    (\"scripts/{name}\", include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("bundled.rs"), code).expect("OUT_DIR is writable");
}
