//! `labc completions SHELL` and `labc man`: the shell completion scripts and the man pages,
//! generated from the same clap definition as the parser, so they never fall behind it.

use std::io::Write as _;
use std::path::Path;

use clap::CommandFactory as _;

use super::Cli;

/// Print the completion script for `shell` to stdout.
pub(super) fn completions(shell: clap_complete::Shell) -> i32 {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "labc", &mut out);
    finish(out.flush())
}

/// `labc man [COMMAND] [--dir DIR]`: labc(1), labc-COMMAND(1), or all of them written to DIR.
pub(super) fn man(command: Option<&str>, dir: Option<&Path>) -> i32 {
    if let Some(dir) = dir {
        return match write_pages(dir) {
            Ok(n) => {
                eprintln!("labc: wrote {n} man pages to {}", dir.display());
                0
            }
            Err(e) => super::io_error(e),
        };
    }
    let page = match command {
        None => render(Cli::command()),
        Some(name) => match page_of(name) {
            Some(cmd) => render(cmd),
            None => {
                let names: Vec<String> = pages().into_iter().skip(1).map(|(n, _)| n).collect();
                let names: Vec<String> = names.iter().map(|n| n["labc-".len()..].into()).collect();
                eprintln!(
                    "labc: error: no subcommand `{name}`; the man pages are of: {}",
                    names.join(", ")
                );
                return 2;
            }
        },
    };
    let mut out = std::io::stdout().lock();
    finish(
        page.and_then(|p| out.write_all(&p))
            .and_then(|()| out.flush()),
    )
}

/// Every page: ("labc", labc) first, then ("labc-build", the build subcommand) and so on,
/// each subcommand renamed so its page's title and synopsis read `labc-build`.
fn pages() -> Vec<(String, clap::Command)> {
    let cmd = Cli::command();
    let mut out = vec![("labc".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("labc-{}", sub.get_name());
        let page = sub.clone().name(name.clone()).version(super::VERSION);
        // The version is for the page footer; `labc build` has no `--version` flag.
        out.push((name, page.disable_version_flag(true)));
    }
    out
}

fn page_of(subcommand: &str) -> Option<clap::Command> {
    let wanted = format!("labc-{subcommand}");
    pages()
        .into_iter()
        .find(|(n, _)| *n == wanted)
        .map(|(_, c)| c)
}

fn render(cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    Ok(page)
}

/// Write `NAME.1` for every page into `dir` (created if missing); returns how many.
fn write_pages(dir: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let pages = pages();
    for (name, cmd) in &pages {
        let path = dir.join(format!("{name}.1"));
        let page = render(cmd.clone()).map_err(|e| e.to_string())?;
        std::fs::write(&path, page)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(pages.len())
}

fn finish(result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        // A closed pipe (`labc man | head`) is not an error of labc's.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => super::io_error(e.to_string()),
    }
}
