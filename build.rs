//! Embeds every `stdlib/*.lab` file, and the schema library `stdlib/schemas/<name>/<version>.json`,
//! into the binary. Listing them here, not in `src/`,
//! keeps operator (vendor) names out of the Rust core.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time: a build script binary may be reused for another checkout.
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("stdlib");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("stdlib/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lab"))
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for n in &names {
        println!("cargo:rerun-if-changed={}", dir.join(n).display());
        writeln!(
            out,
            "    ({n:?}, include_str!({:?})),",
            dir.join(n).display().to_string()
        )
        .unwrap();
    }
    out.push_str("]\n");
    // The stdlib's version for `labc --version`: the crate's version and a digest of the
    // modules' names and texts, so two binaries whose stdlibs differ say so.
    let mut digest = Fnv64::default();
    for n in &names {
        digest.write(n.as_bytes());
        digest.write(&[0]);
        digest.write(&std::fs::read(dir.join(n)).expect("stdlib file is readable"));
        digest.write(&[0]);
    }
    let schemas = schema_files(&dir.join("schemas"));
    let mut listing = String::from("&[\n");
    for (rel, path) in &schemas {
        println!("cargo:rerun-if-changed={}", path.display());
        digest.write(rel.as_bytes());
        digest.write(&[0]);
        digest.write(&std::fs::read(path).expect("schema file is readable"));
        digest.write(&[0]);
        writeln!(
            listing,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    listing.push_str("]\n");
    println!(
        "cargo:rustc-env=LABC_STDLIB_VERSION={}+{:012x}, {} modules",
        std::env::var("CARGO_PKG_VERSION").expect("set by cargo"),
        digest.0 >> 16,
        names.len()
    );
    let out_dir = std::env::var("OUT_DIR").unwrap();
    std::fs::write(Path::new(&out_dir).join("stdlib_files.rs"), out).unwrap();
    std::fs::write(Path::new(&out_dir).join("schema_files.rs"), listing).unwrap();
}

/// The schema library: `schemas/<name>/<version>.json` under the stdlib, as (that
/// relative path, its path on disk), sorted; none when there is no `schemas/` folder.
fn schema_files(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut out = Vec::new();
    let Ok(names) = std::fs::read_dir(dir) else {
        return out;
    };
    for set in names.filter_map(|e| e.ok()) {
        let name = set.file_name().to_string_lossy().into_owned();
        println!("cargo:rerun-if-changed={}", set.path().display());
        let Ok(versions) = std::fs::read_dir(set.path()) else {
            continue;
        };
        for v in versions.filter_map(|e| e.ok()) {
            let file = v.file_name().to_string_lossy().into_owned();
            if file.ends_with(".json") {
                out.push((format!("schemas/{name}/{file}"), v.path()));
            }
        }
    }
    out.sort();
    out
}

/// FNV-1a, 64 bits: a stable digest without a build dependency (not for security).
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
