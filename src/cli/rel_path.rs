//! The last line of defence of `write_tree`: every output path must be a plain relative
//! path inside OUT.
//!
//! The compiler builds output paths from validated parts, so none of these should ever be
//! refused. This check does not trust that: it is independent of how the paths were made,
//! and runs on every path before anything is written.

use std::path::{Component, Path};

/// Check that `rel` is a relative path of plain names separated by `/`: not empty, not
/// absolute, no `.` or `..`, no empty component, no NUL, backslash or control character,
/// and no component starting with `.` (that would be the manifest, a hidden file, or one
/// of labc's lock and temporary names).
pub fn check(rel: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "labc refuses to write the output path \"{}\": {why}. Nothing was written. \
             This is a bug in labc; please report it with the lab that caused it",
            rel.escape_debug()
        ))
    };
    if rel.is_empty() {
        return refuse("it is empty");
    }
    if rel.contains('\0') {
        return refuse("it contains a NUL byte");
    }
    if rel.contains('\\') {
        return refuse("it contains a backslash");
    }
    if rel.chars().any(char::is_control) {
        return refuse("it contains a control character");
    }
    if rel.starts_with('/') || Path::new(rel).is_absolute() {
        return refuse("it is absolute");
    }
    for part in rel.split('/') {
        if part.is_empty() {
            return refuse("it has an empty component (`//` or a trailing `/`)");
        }
        if part == "." || part == ".." {
            return refuse("it has a `.` or `..` component");
        }
        if part.starts_with('.') {
            return refuse("a component starts with `.` (hidden or reserved for labc's own files)");
        }
        // What the platform reads as one plain name (no drive prefix, no root).
        let mut components = Path::new(part).components();
        let plain = matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(n)), None) if n == part
        );
        if !plain {
            return refuse("a component is not a plain file name");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn plain_paths_pass() {
        for ok in [
            "a.yaml",
            "clusters/home/flux-system/gotk-sync.yaml",
            "clusters/home/app-1/app/helmrelease-x.yaml",
            "a/b..c/d.yaml",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "/",
            "../victim.yaml",
            "a/../../victim.yaml",
            "a/..",
            "./a.yaml",
            "a/./b.yaml",
            "a//b.yaml",
            "a/",
            "a\0b.yaml",
            "a\\..\\b.yaml",
            "a\nb.yaml",
            ".labc-manifest",
            "a/.labc-manifest",
            ".yaml",
            ".out.labc-lock",
            ".out.labc-new-1/x.yaml",
            "..",
            ".",
        ] {
            let err = check(bad).expect_err(bad);
            assert!(err.contains("Nothing was written"), "{err}");
        }
    }
}
