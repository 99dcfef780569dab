//! The integration tests, as one test binary (`cargo test --test main`), run by
//! libtest-mimic (`harness = false` in Cargo.toml) so that every data case is a test of
//! its own. Each module of `tests/main/` is one former test file; its tests are named
//! `module::test`, and the data-driven ones add one test per case:
//! `ui::e0402-unknown-field` (a `tests/ui/` fixture), `build::minimal` (a `tests/build/`
//! case), `secrets::clean::…`, `paths::ui::…`. The standard filters apply:
//! `cargo test e0402` runs the tests whose name contains `e0402`, `cargo test --test main
//! ui::` the UI fixtures, `cargo test --test main -- --list` lists every test.
//!
//! A module registers its test functions with `tests!(a, b, …)` at its end. The functions
//! stay private, so one left out of the list is dead code, which `cargo clippy
//! --all-targets -- -D warnings` refuses; likewise a module whose `trials()` is not
//! called from `main` below.

use std::cell::Cell;
use std::panic;

use libtest_mimic::{Arguments, Failed, Trial};

/// `tests!(a, b, …)` defines the module's `trials()`: its functions `a`, `b`, … (plain
/// `fn()`s that panic on failure) as the tests `module::a`, `module::b`. With `; cases:
/// f` it adds the trials `f()` returns (one per data case, made with [`case`]).
macro_rules! tests {
    ($($name:ident),* $(,)? $(; cases: $cases:path)?) => {
        pub(crate) fn trials() -> Vec<libtest_mimic::Trial> {
            #[allow(unused_mut)]
            let mut trials = vec![$($crate::trial(module_path!(), stringify!($name), $name)),*];
            $(trials.extend($cases());)?
            trials
        }
    };
}

#[path = "main/bombs.rs"]
mod bombs;
#[path = "main/build.rs"]
mod build;
#[path = "main/cascades.rs"]
mod cascades;
#[path = "main/cli_fs.rs"]
mod cli_fs;
#[path = "main/correct.rs"]
mod correct;
#[path = "main/diff.rs"]
mod diff;
#[path = "main/docs.rs"]
mod docs;
#[path = "main/editor_keywords.rs"]
mod editor_keywords;
#[path = "main/explain.rs"]
mod explain;
#[path = "main/fmt.rs"]
mod fmt;
#[path = "main/formats.rs"]
mod formats;
#[path = "main/graph.rs"]
mod graph;
#[path = "main/help_files.rs"]
mod help_files;
#[path = "main/import_flux.rs"]
mod import_flux;
#[path = "main/incremental.rs"]
mod incremental;
#[path = "main/lab.rs"]
mod lab;
#[path = "main/layers.rs"]
mod layers;
#[path = "main/layouts.rs"]
mod layouts;
#[path = "main/lean_build.rs"]
mod lean_build;
#[path = "main/lsp.rs"]
mod lsp;
#[path = "main/lsp_editing.rs"]
mod lsp_editing;
#[path = "main/lsp_navigation.rs"]
mod lsp_navigation;
#[path = "main/mangled.rs"]
mod mangled;
#[path = "main/namespaces.rs"]
mod namespaces;
#[path = "main/paths.rs"]
mod paths;
#[path = "main/pin.rs"]
mod pin;
#[path = "main/props.rs"]
mod props;
#[path = "main/schema.rs"]
mod schema;
#[path = "main/schema_data.rs"]
mod schema_data;
#[path = "main/secrets.rs"]
mod secrets;
#[path = "main/sublime.rs"]
mod sublime;
#[path = "main/syntax_errors.rs"]
mod syntax_errors;
#[path = "main/ui.rs"]
mod ui;
#[path = "main/user_sites.rs"]
mod user_sites;
#[path = "main/versions.rs"]
mod versions;
#[path = "main/warnings.rs"]
mod warnings;
#[path = "main/watch.rs"]
mod watch;

fn main() {
    let args = Arguments::from_args();
    install_panic_hook();
    let mut trials = Vec::new();
    trials.extend(bombs::trials());
    trials.extend(build::trials());
    trials.extend(cascades::trials());
    #[cfg(unix)]
    trials.extend(cli_fs::trials());
    trials.extend(correct::trials());
    trials.extend(diff::trials());
    trials.extend(docs::trials());
    trials.extend(editor_keywords::trials());
    trials.extend(formats::trials());
    trials.extend(help_files::trials());
    trials.extend(explain::trials());
    trials.extend(graph::trials());
    trials.extend(fmt::trials());
    trials.extend(incremental::trials());
    trials.extend(lab::trials());
    trials.extend(layers::trials());
    trials.extend(layouts::trials());
    trials.extend(lean_build::trials());
    trials.extend(lsp::trials());
    trials.extend(lsp_navigation::trials());
    trials.extend(lsp_editing::trials());
    trials.extend(mangled::trials());
    trials.extend(namespaces::trials());
    trials.extend(paths::trials());
    trials.extend(props::trials());
    trials.extend(schema::trials());
    trials.extend(schema_data::trials());
    trials.extend(secrets::trials());
    trials.extend(sublime::trials());
    trials.extend(syntax_errors::trials());
    trials.extend(warnings::trials());
    trials.extend(ui::trials());
    trials.extend(user_sites::trials());
    trials.extend(versions::trials());
    trials.extend(pin::trials());
    trials.extend(import_flux::trials());
    #[cfg(unix)]
    trials.extend(watch::trials());
    libtest_mimic::run(&args, trials).exit();
}

/// The test name of `name` in module `module_path` (`main::ui` -> `ui::name`).
fn test_name(module_path: &str, name: &str) -> String {
    let module = module_path.split_once("::").map_or(module_path, |(_, m)| m);
    format!("{module}::{name}")
}

/// A test function as a trial; a panic fails it (libtest-mimic catches it).
fn trial(module_path: &str, name: &str, test: fn()) -> Trial {
    Trial::test(test_name(module_path, name), move || {
        test();
        Ok(())
    })
}

/// One data case as a trial named `module::name`; `Err` fails it with that message.
fn case(
    module_path: &str,
    name: &str,
    test: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Trial {
    Trial::test(test_name(module_path, name), move || {
        test().map_err(Failed::from)
    })
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// The default panic hook, except on a thread inside [`quietly`].
fn install_panic_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !QUIET.get() {
            default(info)
        }
    }));
}

/// Run `f`, catching its panic without the panic hook's message (for assertions that
/// print their own summary, like insta's). Other tests' threads keep theirs.
fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    QUIET.set(true);
    let result = panic::catch_unwind(panic::AssertUnwindSafe(f));
    QUIET.set(false);
    result
}
