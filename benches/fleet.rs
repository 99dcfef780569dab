//! Benchmark: the fleet workload (C clusters with pools and BGP, ten operators with a fixed
//! dependency graph on every cluster, T tenants round-robin with a chart release, an
//! ExternalSecret and two network policies) at fleet(2, 20), fleet(20, 2000) and
//! fleet(100, 20000): cold check, cold build, peak RSS, and recompiles after edits with one
//! database kept, each as a ratio to a floor that writes the same files from memory.
//!
//! `cargo bench --bench fleet` runs every size; `-- --sizes 2x20,20x2000` selects some,
//! `-- --runs N` and `-- --edits N` override how often each figure is measured. Each size
//! runs in a child process (this executable again, `--child CxT`) so that its peak RSS is
//! its own; the parent prints one table. `-- --write-lab CxT DIR` writes the generated lab
//! to DIR instead (to profile the `labc` binary on it). See benches/README.md.

#[path = "fleet/machine.rs"]
mod machine;
#[path = "fleet/measure.rs"]
mod measure;
#[path = "fleet/workload.rs"]
mod workload;

use std::path::PathBuf;
use std::process::{Command, Stdio};

const SIZES: &[(usize, usize)] = &[(2, 20), (20, 2_000), (100, 20_000)];

/// What a child reports: (key, value) pairs.
type Report = Vec<(String, String)>;

/// Parse `key value` lines, the children's way of reporting.
fn parse_kv(text: &str) -> Report {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

fn parse_size(s: &str) -> (usize, usize) {
    let parsed = s
        .split_once('x')
        .and_then(|(c, t)| Some((c.parse().ok()?, t.parse().ok()?)));
    match parsed {
        Some((c, t)) if c > 0 && c <= 100 => (c, t),
        _ => panic!("a size is CLUSTERSxTENANTS with 1 to 100 clusters, like 20x2000, not `{s}`"),
    }
}

/// The command line: what a run measures, or which child role this process plays.
#[derive(Default)]
struct Args {
    sizes: Vec<(usize, usize)>,
    runs: Option<usize>,
    edits: Option<usize>,
    child: Option<(usize, usize)>,
    floor: Option<(PathBuf, PathBuf)>,
    write_lab: Option<((usize, usize), PathBuf)>,
}

fn parse_args() -> Args {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--sizes" => args.sizes = value().split(',').map(parse_size).collect(),
            "--runs" => args.runs = Some(value().parse().expect("--runs N")),
            "--edits" => args.edits = Some(value().parse().expect("--edits N")),
            "--child" => args.child = Some(parse_size(&value())),
            "--floor" => {
                let blob = PathBuf::from(value());
                args.floor = Some((blob, PathBuf::from(it.next().expect("--floor BLOB DIR"))));
            }
            "--write-lab" => {
                let size = parse_size(&value());
                args.write_lab =
                    Some((size, PathBuf::from(it.next().expect("--write-lab CxT DIR"))));
            }
            // `cargo bench` passes `--bench`; libtest options mean nothing here.
            _ => {}
        }
    }
    if args.sizes.is_empty() {
        args.sizes = SIZES.to_vec();
    }
    args
}

/// Where the trees are written: tmpfs at /dev/shm when there is one, else the temp dir.
fn output_root() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    }
}

/// Medians over 5 cold runs and 7 recompiles per edit, except at the largest size (more
/// than 2,000 tenants), where a cold run takes seconds: 3 of each. One run there varied by
/// 40% in CPU time between two runs of the bench on these shared cores.
fn plan(args: &Args, (clusters, tenants): (usize, usize)) -> measure::Plan {
    let large = tenants > 2_000;
    measure::Plan {
        clusters,
        tenants,
        runs: args.runs.unwrap_or(if large { 3 } else { 5 }).max(1),
        edits: args.edits.unwrap_or(if large { 3 } else { 7 }).max(1),
    }
}

/// The child of one size: measure and print `key value` lines on stdout.
fn child(args: &Args, size: (usize, usize)) {
    let plan = plan(args, size);
    let base = output_root().join(format!("labc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&base).expect("create the output directory");
    let kv = measure::run(&plan, &base);
    let _ = std::fs::remove_dir_all(&base);
    println!("runs {}", plan.runs);
    println!("edits {}", plan.edits);
    for (k, v) in kv {
        println!("{k} {v}");
    }
}

/// The floor's own process: read the blob into memory, write it, report time and RSS.
fn floor_child(blob: &std::path::Path, dir: &std::path::Path) {
    let bytes = std::fs::read(blob).expect("read the blob");
    let took = measure::floor(measure::blob_entries(&bytes), dir);
    println!("ms {:.3}", took.wall);
    println!("cpu_ms {:.3}", took.cpu);
    println!("rss_kib {}", measure::peak_rss_kib());
}

/// Write fleet(`c`, `t`) as `.lab` files under `dir`, for profiling the `labc` binary on it.
fn write_lab(c: usize, t: usize, dir: &std::path::Path) {
    for (rel, text) in workload::files(c, t) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create_dir_all");
        std::fs::write(&path, text).expect("write");
    }
    eprintln!("wrote fleet({c}, {t}) to {}", dir.display());
}

fn run_child(args: &Args, (c, t): (usize, usize)) -> Report {
    eprintln!("fleet({c}, {t}) ...");
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    cmd.arg("--child").arg(format!("{c}x{t}"));
    if let Some(r) = args.runs {
        cmd.arg("--runs").arg(r.to_string());
    }
    if let Some(e) = args.edits {
        cmd.arg("--edits").arg(e.to_string());
    }
    let out = cmd.stderr(Stdio::inherit()).output().expect("run a size");
    assert!(out.status.success(), "fleet({c}, {t}) failed");
    parse_kv(&String::from_utf8_lossy(&out.stdout))
}

fn main() {
    let args = parse_args();
    if let Some((blob, dir)) = &args.floor {
        return floor_child(blob, dir);
    }
    if let Some(((c, t), dir)) = &args.write_lab {
        return write_lab(*c, *t, dir);
    }
    if let Some(size) = args.child {
        return child(&args, size);
    }
    let load_before = machine::loadavg();
    let results: Vec<_> = args
        .sizes
        .iter()
        .map(|&s| (s, run_child(&args, s)))
        .collect();
    print_machine(&load_before);
    print_table(&results);
}

fn print_machine(load_before: &str) {
    println!();
    println!(
        "machine: {}; output on {}",
        machine::cores_and_cpu(),
        output_root().display()
    );
    println!(
        "load average before: {load_before}, after: {}",
        machine::loadavg()
    );
    println!();
}

/// One Markdown table: a column per size, every time also as a ratio to the floor.
fn print_table(results: &[((usize, usize), Report)]) {
    let get = |kv: &Report, k: &str| -> f64 {
        let v = kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        v.and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
    };
    let mut head = "| fleet(C, T) |".to_string();
    let mut rule = "|---|".to_string();
    for ((c, t), _) in results {
        head.push_str(&format!(" ({c}, {t}) |"));
        rule.push_str("---|");
    }
    println!("{head}\n{rule}");
    let row = |label: &str, cell: &dyn Fn(&Report) -> String| {
        let cells: Vec<String> = results.iter().map(|(_, kv)| cell(kv)).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    row("files written", &|kv| format!("{}", get(kv, "files")));
    row("lab: files / KiB of source", &|kv| {
        format!(
            "{} / {:.0}",
            get(kv, "lab_files"),
            get(kv, "lab_bytes") / 1024.0
        )
    });
    row("output KiB", &|kv| {
        format!("{:.0}", get(kv, "out_bytes") / 1024.0)
    });
    row("floor: write from memory", &|kv| {
        let (t, c) = (get(kv, "floor_ms"), get(kv, "floor_cpu_ms"));
        format!("{t:.1} ms, CPU {c:.1} ms")
    });
    let timed: &[(&str, &str)] = &[
        ("cold check", "check"),
        ("cold build", "build"),
        ("same-length edit, middle of fleet.lab", "edit_same"),
        ("longer/shorter edit, start of fleet.lab", "edit_start"),
        ("longer/shorter edit, end of fleet.lab", "edit_end"),
        ("add a tenant file", "add_tenant"),
        ("remove a tenant file", "remove_tenant"),
    ];
    for &(label, key) in timed {
        row(label, &|kv| {
            let (t, f) = (get(kv, &format!("{key}_ms")), get(kv, "floor_ms"));
            let (c, fc) = (get(kv, &format!("{key}_cpu_ms")), get(kv, "floor_cpu_ms"));
            format!("{t:.1} ms ({:.2}x), CPU {c:.1} ms ({:.2}x)", t / f, c / fc)
        });
    }
    row("peak RSS (process after its first cold build)", &|kv| {
        let (r, f) = (get(kv, "rss_kib"), get(kv, "floor_process_rss_kib"));
        format!("{:.0} MiB ({:.1}x)", r / 1024.0, r / f)
    });
    row("floor process: time, CPU / peak RSS", &|kv| {
        let (t, c) = (get(kv, "floor_process_ms"), get(kv, "floor_process_cpu_ms"));
        let r = get(kv, "floor_process_rss_kib");
        format!("{t:.1} ms, CPU {c:.1} ms / {:.1} MiB", r / 1024.0)
    });
    row("medians of: cold runs / recompiles per edit", &|kv| {
        format!("{} / {}", get(kv, "runs"), get(kv, "edits"))
    });
}
