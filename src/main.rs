//! The `labc` binary: parses arguments and hands over to `labc::cli`.

use clap::Parser as _;

/// Stack for the compiler thread. The parser bounds nesting (64 brackets, 32-link
/// chains), but a recursive evaluator of a tree that deep still needs more than the
/// main thread's default 8 MiB in a debug build. Only touched pages are committed.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() {
    let cli = labc::cli::Cli::parse();
    let code = std::thread::Builder::new()
        .name("labc".into())
        .stack_size(STACK_BYTES)
        .spawn(move || labc::cli::run(cli))
        .and_then(|t| {
            t.join()
                .map_err(|_| std::io::Error::other("the compiler thread panicked"))
        })
        .unwrap_or_else(|e| {
            eprintln!("labc: error: {e}");
            101
        });
    std::process::exit(code);
}
