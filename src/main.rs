//! The `labc` binary: parses arguments and hands over to `labc::cli`.

use clap::Parser as _;

fn main() {
    let cli = labc::cli::Cli::parse();
    std::process::exit(labc::cli::run(cli));
}
