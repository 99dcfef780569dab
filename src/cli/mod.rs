//! The command line: `labc build`, `labc check`, `labc explain`. The only module (with its
//! submodules) that reads and writes files.
//!
//! Exit codes: 0 success, 1 the lab has errors, 2 usage or I/O problems.

mod build_check;
mod diff;
mod explain;
mod fmt;
mod graph;
mod help_files;
mod import;
mod import_flux;
mod out_dir;
mod pin;
mod rel_path;
mod report;
mod tree;
pub mod walk;
mod watch;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

pub use report::build_threads;
pub use tree::{write_tree, Staged};
pub use walk::read_lab;

/// `labc --version`: labc's version and that of the stdlib built into it.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (stdlib ",
    env!("LABC_STDLIB_VERSION"),
    ")"
);

/// The manifest labc keeps in an output directory: the files it wrote, one per line.
pub const MANIFEST: &str = ".labc-manifest";

#[derive(Parser, Debug)]
#[command(
    name = "labc",
    version = VERSION,
    about = "Type-check a .lab home lab and lower it to Flux YAML trees"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    /// Read the standard library from DIR (its `*.lab` files) instead of the copy built
    /// into labc: for working on the stdlib without rebuilding labc.
    #[arg(long, value_name = "DIR", global = true)]
    pub stdlib: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the lab and write its Flux trees to OUT (nothing is written if it has errors).
    Build {
        /// The lab directory (every .lab file under it is part of the lab).
        #[arg(default_value = "lab")]
        dir: PathBuf,
        /// The output directory: the repository folder the lab's `path` names.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Write nothing: exit 1 and list the files that differ if OUT is stale.
        #[arg(long)]
        check: bool,
        /// How to report diagnostics: json, github and sarif go to stdout.
        #[arg(long, value_enum, default_value_t)]
        format: report::Format,
        /// Treat warnings as errors: exit 1 and write nothing if there are any.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check the lab and report diagnostics; write nothing.
    Check {
        #[arg(default_value = "lab")]
        dir: PathBuf,
        /// How to report diagnostics: json, github and sarif go to stdout.
        #[arg(long, value_enum, default_value_t)]
        format: report::Format,
        /// Treat warnings as errors: exit 1 if there are any (for CI).
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check the lab, then re-check it on every change and print what changed in the
    /// diagnostics (until Ctrl-C).
    Watch {
        #[arg(default_value = "lab")]
        dir: PathBuf,
        /// After each check without errors, also rewrite the Flux trees in OUT.
        #[arg(long, value_name = "OUT")]
        build: Option<PathBuf>,
    },
    /// Show what the lab does to the emitted objects, against OUT or a git revision.
    Diff {
        /// The lab directory, as it is now: the new side of the diff.
        #[arg(default_value = "lab")]
        dir: PathBuf,
        /// An output directory of `labc build`, or a git revision of the lab's repository.
        #[arg(long, value_name = "OUT|GIT-REF", default_value = "out")]
        against: String,
        /// `text` for a terminal, `markdown` for a pull request comment.
        #[arg(long, value_enum, default_value_t = diff::Format::Text)]
        format: diff::Format,
    },
    /// Print the Flux Kustomization graph (dependsOn with why, `via mesh` dashed).
    Graph {
        #[arg(default_value = "lab")]
        dir: PathBuf,
        /// Only this cluster (default: every cluster, each as a subgraph).
        #[arg(long)]
        cluster: Option<String>,
        #[arg(long, value_enum, default_value_t = graph::GraphFormat::Dot)]
        format: graph::GraphFormat,
    },
    /// Format .lab files (default: every one under the current directory) in place.
    Fmt {
        /// Files or directories (walked for *.lab, skipping hidden folders and target/).
        paths: Vec<PathBuf>,
        /// Write nothing; list the files that would change and exit 1 if any would.
        #[arg(long, conflicts_with = "diff")]
        check: bool,
        /// Write nothing; print what would change as a unified diff (exit 1 if anything).
        #[arg(long)]
        diff: bool,
    },
    /// Pin the stdlib's chart of every definition the lab uses in LAB-DIR/versions.lab.
    Pin {
        #[arg(default_value = "lab")]
        dir: PathBuf,
        /// Write nothing; list the missing pins and exit 1 if there are any.
        #[arg(long)]
        check: bool,
    },
    /// Import a Flux repository as a lab (`labc import FLUX-DIR --out LAB-DIR`, see
    /// docs/from-home-ops.md), or Kubernetes schemas into labc's compact form
    /// (`labc import crd`, docs/schemas.md).
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Import {
        #[command(subcommand)]
        what: Option<ImportCommand>,
        /// The Flux repository to read (offline; nothing in it is changed).
        #[arg(value_name = "FLUX-DIR", required = true)]
        repo: Option<PathBuf>,
        /// The lab directory to write (whole, or not at all).
        #[arg(long, value_name = "LAB-DIR", required = true)]
        out: Option<PathBuf>,
        /// Replace LAB-DIR if it exists.
        #[arg(long)]
        force: bool,
        /// Write the report to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// The report as JSON (`{ "notes": [{ kind, subject, detail }] }`).
        #[arg(long)]
        json: bool,
    },
    /// Explain a diagnostic code (`labc explain E0402`), or list them all.
    Explain {
        code: Option<String>,
        /// List every code with its title.
        #[arg(long)]
        list: bool,
        /// Print every page as Markdown: the text of docs/errors.md.
        #[arg(long, conflicts_with_all = ["code", "list"])]
        markdown: bool,
    },
    /// Serve the Language Server Protocol on stdin and stdout (for editors): the whole-lab
    /// check of every open lab as you type, navigation, completion, quick fixes,
    /// formatting and semantic tokens.
    Lsp {
        /// Accepted and ignored: stdio is the one transport. Generic clients (VS Code's
        /// with a transport named, among others) add it to the command.
        #[arg(long)]
        stdio: bool,
    },
    /// Print a shell completion script (`labc completions bash > ~/.local/share/bash-completion/completions/labc`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print labc's man page in roff (`labc man > labc.1`), or a subcommand's
    /// (`labc man build` is labc-build(1)); `--dir DIR` writes them all into DIR.
    Man {
        /// The subcommand whose page to print.
        command: Option<String>,
        /// Write labc.1 and every labc-COMMAND.1 into DIR instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
}

/// What `labc import` imports.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// CRD YAML, per-kind JSON schemas, OpenAPI v3 documents or compact files (merged)
    /// into one compact schema set; prints the kinds and what is not checked.
    Crd {
        /// Files, or directories walked for *.yaml, *.yml and *.json.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The compact file to write (replaced atomically).
        #[arg(long, value_name = "OUT.json")]
        out: PathBuf,
        /// The set's name (default: OUT's file name without `.json`).
        #[arg(long)]
        name: Option<String>,
        /// The version the schemas are of (a chart version, a Kubernetes minor).
        #[arg(long, default_value = "")]
        version: String,
        /// Where the schemas come from, kept in the set (default: the input paths).
        #[arg(long)]
        source: Option<String>,
        /// The spelling of a kind that a file names in lower case (`certificate_v1.json`
        /// is `--kind Certificate`); repeatable.
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
    },
}

/// Run the CLI; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal(),
    };
    let stdlib = cli.stdlib.as_deref();
    match cli.command {
        Command::Explain {
            code,
            list,
            markdown,
        } => explain::run(code, list, markdown),
        Command::Lsp { stdio: _ } => match stdlib.map(read_stdlib).transpose() {
            Ok(stdlib) => crate::lsp::stdio(stdlib),
            Err(e) => io_error(e),
        },
        Command::Completions { shell } => help_files::completions(shell),
        Command::Man { command, dir } => help_files::man(command.as_deref(), dir.as_deref()),
        Command::Check {
            dir,
            format,
            deny_warnings,
        } => report::check(&dir, stdlib, color, format, deny_warnings),
        Command::Watch { dir, build } => watch::watch(&dir, build.as_deref(), stdlib, color),
        Command::Build {
            dir,
            out,
            check,
            format,
            deny_warnings,
        } => {
            let mode = report::BuildMode {
                check,
                format,
                deny_warnings,
            };
            report::build(&dir, &out, mode, stdlib, color)
        }
        Command::Diff {
            dir,
            against,
            format,
        } => diff::run(&dir, &against, format, stdlib, color),
        Command::Graph {
            dir,
            cluster,
            format,
        } => graph::graph(&dir, cluster.as_deref(), format, stdlib, color),
        Command::Pin { dir, check } => pin::pin(&dir, check, stdlib, color),
        Command::Import {
            what: None,
            repo,
            out,
            force,
            report,
            json,
        } => import_flux::flux(import_flux::FluxImport {
            repo: repo.as_deref().unwrap_or(Path::new(".")),
            out: out.as_deref().unwrap_or(Path::new("lab")),
            force,
            report: report.as_deref(),
            json,
        }),
        Command::Import {
            what:
                Some(ImportCommand::Crd {
                    files,
                    out,
                    name,
                    version,
                    source,
                    kinds,
                }),
            ..
        } => import::crd(import::CrdImport {
            files: &files,
            out: &out,
            name: name.as_deref(),
            version: &version,
            source: source.as_deref(),
            kinds: &kinds,
        }),
        Command::Fmt { paths, check, diff } => fmt::fmt(&paths, fmt::Mode::of(check, diff), color),
    }
}

/// A fresh database holding the lab in `dir`, with the stdlib of `--stdlib` or the
/// embedded one.
fn load_lab(
    dir: &Path,
    stdlib: Option<&Path>,
) -> Result<(crate::db::LabDb, crate::db::Lab), String> {
    let sources = read_lab(dir)?;
    let db = crate::db::LabDb::default();
    let lab = match stdlib {
        Some(std_dir) => db.load_with_stdlib(read_stdlib(std_dir)?, sources),
        None => db.load(sources),
    };
    Ok((db, lab))
}

fn io_error(e: String) -> i32 {
    eprintln!("labc: error: {e}");
    2
}

/// The `*.lab` files directly in `dir`, as (file name, text): a stdlib given with
/// `--stdlib`.
fn read_stdlib(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let sources: Vec<(String, String)> = read_lab(dir)?
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".lab") && !rel.contains('/'))
        .collect();
    if sources.is_empty() {
        return Err(format!("`{}` holds no .lab files", dir.display()));
    }
    let mut sources = sources;
    sources.extend(read_schema_library(&dir.join("schemas"))?);
    Ok(sources)
}

/// The schema library of a stdlib folder: `schemas/<name>/<version>.json`, as
/// (that relative path, text); none without a `schemas/` folder. Read apart from the lab's
/// data files, whose 1 MiB limit a set of core kinds exceeds.
fn read_schema_library(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let Ok(sets) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for set in sets.filter_map(|e| e.ok()) {
        let name = set.file_name().to_string_lossy().into_owned();
        let Ok(versions) = std::fs::read_dir(set.path()) else {
            continue;
        };
        for v in versions.filter_map(|e| e.ok()) {
            let file = v.file_name().to_string_lossy().into_owned();
            if !file.ends_with(".json") || !v.path().is_file() {
                continue;
            }
            let text = std::fs::read_to_string(v.path())
                .map_err(|e| format!("cannot read `{}`: {e}", v.path().display()))?;
            out.push((format!("schemas/{name}/{file}"), text));
        }
    }
    out.sort();
    Ok(out)
}

/// Compile the lab in `dir`, print diagnostics, return the output files and error count.
fn check(
    dir: &Path,
    stdlib: Option<&Path>,
    color: bool,
) -> Result<(crate::compile::Files, usize), String> {
    report::report_files(dir, stdlib, report::Format::Human, color)
        .map(|(o, files)| (files, o.errors))
}
