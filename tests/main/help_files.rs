//! `labc completions`, `labc man` and `labc --version`: generated from the parser's own
//! definition, so these tests check that they cover every subcommand and are well formed.

use std::process::Command;

fn labc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .output()
        .expect("labc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The subcommands `labc --help` lists (its own `help` aside).
fn subcommands() -> Vec<String> {
    let (code, help, _) = labc(&["--help"]);
    assert_eq!(code, 0);
    let commands = help
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("Options:").next())
        .expect("--help lists its commands");
    let names: Vec<String> = commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 5, "too few subcommands in --help: {names:?}");
    names
}

fn completions_name_every_subcommand() {
    let names = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, script, err) = labc(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for n in &names {
            assert!(script.contains(n.as_str()), "{shell} script lacks `{n}`");
        }
    }
}

/// The bash script parses (`bash -n`), so sourcing it in a shell cannot fail.
fn bash_completion_is_valid_bash() {
    let (_, script, _) = labc(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labc.bash");
    std::fs::write(&path, script).unwrap();
    let status = Command::new("bash").arg("-n").arg(&path).status().unwrap();
    assert!(status.success(), "bash -n rejects the completion script");
}

fn man_pages_cover_every_subcommand() {
    let (code, page, _) = labc(&["man"]);
    assert_eq!(code, 0);
    assert!(page.contains(".TH labc 1"), "not a roff page: {page}");
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = labc(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for n in subcommands() {
        let file = dir.path().join(format!("labc-{n}.1"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("no {file:?}"));
        assert!(
            text.contains(&format!(".TH labc-{n} 1")),
            "{file:?}: {text}"
        );
        let (code, single, _) = labc(&["man", &n]);
        assert_eq!(
            (code, &single),
            (0, &text),
            "labc man {n} differs from its file"
        );
    }
    let (code, _, err) = labc(&["man", "nosuch"]);
    assert_eq!(code, 2);
    assert!(err.contains("build"), "the error lists the pages: {err}");
}

/// `labc 0.1.0 (stdlib 0.1.0+<12 hex digits>, N modules)`, N the stdlib's file count.
fn version_names_the_stdlib() {
    let (code, out, _) = labc(&["--version"]);
    assert_eq!(code, 0);
    let version = env!("CARGO_PKG_VERSION");
    let prefix = format!("labc {version} (stdlib {version}+");
    let rest = out
        .trim()
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{out}"));
    let (digest, modules) = rest.split_once(", ").expect("digest, modules");
    assert_eq!(digest.len(), 12);
    assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{digest}");
    let stdlib = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib");
    let count = std::fs::read_dir(stdlib)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "lab")
        })
        .count();
    assert_eq!(modules, format!("{count} modules)"));
}

tests!(
    completions_name_every_subcommand,
    bash_completion_is_valid_bash,
    man_pages_cover_every_subcommand,
    version_names_the_stdlib
);
