//! `labc graph [DIR] [--cluster C] [--format dot|mermaid|svg]`: the Kustomization graph
//! of the lab's clusters on stdout. DOT and Mermaid come from `crate::graph`; SVG is
//! Graphviz's `dot -Tsvg` run on the DOT, where Graphviz is installed.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use clap::ValueEnum;

use crate::compile;
use crate::diag::{self, Severity};
use crate::graph::{cluster_names, lab_graph, to_dot, to_mermaid};

use super::io_error;

/// The output format of `labc graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown in a ```mermaid block).
    Mermaid,
    /// SVG, laid out by Graphviz's `dot` (which must be on PATH).
    Svg,
}

/// Run `labc graph`; returns the exit code: 0, 1 when the lab has errors, 2 for an
/// unknown cluster, a missing Graphviz or an I/O problem.
pub(super) fn graph(
    dir: &Path,
    cluster: Option<&str>,
    format: GraphFormat,
    stdlib: Option<&Path>,
    color: bool,
) -> i32 {
    let text = match render(dir, cluster, format, stdlib, color) {
        Ok(Ok(text)) => text,
        Ok(Err(code)) => return code,
        Err(e) => return io_error(e),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => 0,
        Err(e) => io_error(format!("cannot write the graph: {e}")),
    }
}

/// The graph's text, `Ok(Err(code))` when a message was already printed, or an error to
/// print.
fn render(
    dir: &Path,
    cluster: Option<&str>,
    format: GraphFormat,
    stdlib: Option<&Path>,
    color: bool,
) -> Result<Result<String, i32>, String> {
    let (db, lab) = super::load_lab(dir, stdlib)?;
    let (_, diags) = compile::compile_with_diagnostics(&db, lab);
    diag::render_stderr(&db, &diags, color);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 {
        eprintln!("labc: {errors} error(s); no graph");
        return Ok(Err(1));
    }
    if !diags.is_empty() {
        eprintln!("labc: 0 error(s), {} warning(s)", diags.len());
    }
    let names = cluster_names(&db, lab);
    if let Some(c) = cluster {
        if !names.iter().any(|n| n == c) {
            return Err(unknown_cluster(c, &names));
        }
    }
    let graphs = lab_graph(&db, lab, cluster);
    let subgraphs = cluster.is_none();
    Ok(Ok(match format {
        GraphFormat::Dot => to_dot(&graphs, subgraphs),
        GraphFormat::Mermaid => to_mermaid(&graphs, subgraphs),
        GraphFormat::Svg => svg(&to_dot(&graphs, subgraphs))?,
    }))
}

/// The message for `--cluster` naming no cluster of the lab, with a suggestion.
fn unknown_cluster(name: &str, names: &[String]) -> String {
    let known: Vec<&str> = names.iter().map(String::as_str).collect();
    let help = diag::unknown_name_help(name, known.iter().copied(), |k| {
        diag::listing("the lab's clusters are", k)
    })
    .unwrap_or_else(|| "the lab declares no cluster".to_string());
    format!("the lab has no cluster `{name}`; {help}")
}

/// SVG of a DOT text, from Graphviz's `dot -Tsvg`.
fn svg(dot: &str) -> Result<String, String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "`--format svg` needs Graphviz's `dot` on PATH: \
                 install Graphviz (e.g. `apt-get install graphviz`), or use \
                 `--format dot` or `--format mermaid`"
                .to_string(),
            _ => format!("cannot run Graphviz's `dot`: {e}"),
        })?;
    // Write on a thread: `dot` may fill its stdout pipe before it has read all its input.
    let mut stdin = child.stdin.take();
    let input = dot.to_string();
    let writer = std::thread::spawn(move || {
        stdin
            .as_mut()
            .map_or(Ok(()), |s| s.write_all(input.as_bytes()))
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot run Graphviz's `dot`: {e}"))?;
    let written = writer.join().unwrap_or(Ok(()));
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "Graphviz's `dot` failed ({}): {}",
            out.status,
            stderr.trim()
        ));
    }
    written.map_err(|e| format!("cannot write to Graphviz's `dot`: {e}"))?;
    String::from_utf8(out.stdout).map_err(|_| "Graphviz's `dot` wrote SVG that is not UTF-8".into())
}
