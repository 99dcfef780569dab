//! The measurements of one fleet size, run in a child process of its own so that its peak
//! RSS is its own: cold check, cold build, the in-memory floor, and the recompiles after
//! edits with one database kept. Each figure is returned as a `key value` pair.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use labc::db::{Lab, LabDb, SourceFile};
use salsa::Setter as _;

use crate::workload;

/// The output of a build, held in memory for the floor: relative path and bytes.
pub type FileMap = Vec<(String, Vec<u8>)>;

/// How often each figure is measured: `runs` cold checks, builds and floors, `edits`
/// recompiles per edit kind.
pub struct Plan {
    pub clusters: usize,
    pub tenants: usize,
    pub runs: usize,
    pub edits: usize,
}

/// CPU time of this process in ns, all its threads (user and system: the kernel's writing
/// counts), beside the wall clock because other processes share the cores: CPU time is
/// what the run itself costs. The whole process, not the measuring thread, because
/// `labc build` lowers and writes clusters on threads of its own; each size runs in a child
/// process, so nothing else runs in it. `CLOCK_PROCESS_CPUTIME_ID` is exact, where /proc's
/// counters lag a tick.
fn cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A measured span: wall-clock and CPU milliseconds.
#[derive(Clone, Copy)]
pub struct Time {
    pub wall: f64,
    pub cpu: f64,
}

/// A running clock for a [`Time`].
struct Clock(Instant, u64);

impl Clock {
    fn start() -> Clock {
        Clock(Instant::now(), cpu_ns())
    }
    fn stop(self) -> Time {
        Time {
            wall: self.0.elapsed().as_secs_f64() * 1e3,
            cpu: (cpu_ns().saturating_sub(self.1)) as f64 / 1e6,
        }
    }
}

/// The medians of the wall and CPU times, each as a `key value` line for the parent.
fn medians(key: &str, times: &[Time]) -> [(String, String); 2] {
    let wall = median(times.iter().map(|t| t.wall).collect());
    let cpu = median(times.iter().map(|t| t.cpu).collect());
    [
        (format!("{key}_ms"), format!("{wall:.3}")),
        (format!("{key}_cpu_ms"), format!("{cpu:.3}")),
    ]
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// `VmHWM` (peak resident set) of this process, in KiB; 0 where /proc has none.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Compile and fail loudly on any diagnostic: a fleet that does not check would time the
/// error path.
fn compile_clean(db: &LabDb, lab: Lab) -> &labc::compile::Output {
    let (out, diags) = labc::compile::compile_with_diagnostics(db, lab);
    if !diags.is_empty() {
        let shown = &diags[..diags.len().min(5)];
        eprintln!("{}", labc::diag::render_plain(db, shown));
        panic!("the generated fleet has {} diagnostics", diags.len());
    }
    out
}

/// Cold check: a fresh database, the files loaded (their text already in memory, copied
/// before the clock starts), everything checked, as `labc check` does (no emission).
fn cold_check(files: &[(String, String)]) -> Time {
    let files = files.to_vec();
    let clock = Clock::start();
    let db = LabDb::default();
    let lab = db.load(files);
    let diags = labc::compile::check_with_diagnostics(&db, lab);
    assert_clean(&db, &diags);
    let took = clock.stop();
    drop(db);
    took
}

/// Fail loudly on any diagnostic (see `compile_clean`).
fn assert_clean(db: &LabDb, diags: &[labc::diag::Diag]) {
    if !diags.is_empty() {
        let shown = &diags[..diags.len().min(5)];
        eprintln!("{}", labc::diag::render_plain(db, shown));
        panic!("the generated fleet has {} diagnostics", diags.len());
    }
}

/// Cold build: what `labc build` does after reading the files: the lean build
/// (`compile::build_clusters`, on `cli::build_threads` threads) writing each cluster's
/// files into the staging directory of `out` (which does not exist yet), then the swap.
/// The database is returned so that the last one can be kept for the edits.
fn cold_build(files: &[(String, String)], out: &Path) -> (Time, LabDb, Lab) {
    let files = files.to_vec();
    let clock = Clock::start();
    let mut db = LabDb::default();
    let lab = db.load(files);
    let staged = labc::cli::Staged::begin(out).expect("stage");
    let write = |files: &indexmap::IndexMap<String, String>| {
        (files.iter()).try_for_each(|(rel, text)| staged.write(rel, text))
    };
    let threads = labc::cli::build_threads();
    let (paths, diags) =
        labc::compile::build_clusters(&mut db, lab, threads, &write).expect("write");
    assert_clean(&db, &diags);
    staged
        .finish(paths.iter().flatten().map(String::as_str))
        .expect("swap");
    (clock.stop(), db, lab)
}

/// The floor: the same files written with plain `std::fs` into `out` (each directory
/// created once), from bytes already in memory.
pub fn floor<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>, out: &Path) -> Time {
    let clock = Clock::start();
    let mut made: HashSet<PathBuf> = HashSet::new();
    for (rel, bytes) in files {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            if !made.contains(dir) {
                std::fs::create_dir_all(dir).expect("create_dir_all");
                made.insert(dir.to_path_buf());
            }
        }
        std::fs::write(&path, bytes).expect("write");
    }
    clock.stop()
}

/// The file map as (path, bytes) pairs borrowed from it.
pub fn entries(map: &FileMap) -> impl Iterator<Item = (&str, &[u8])> {
    map.iter().map(|(p, b)| (p.as_str(), b.as_slice()))
}

fn file_map(db: &LabDb, lab: Lab) -> FileMap {
    compile_clean(db, lab)
        .files
        .iter()
        .map(|(p, t)| (p.clone(), t.as_bytes().to_vec()))
        .collect()
}

/// Write the file map as one blob (path length, path, byte length, bytes) for the floor's
/// own process, which reads it back into memory before it writes.
pub fn save_blob(map: &FileMap, path: &Path) {
    let mut blob = Vec::new();
    for (rel, bytes) in map {
        blob.extend((rel.len() as u64).to_le_bytes());
        blob.extend(rel.as_bytes());
        blob.extend((bytes.len() as u64).to_le_bytes());
        blob.extend(bytes);
    }
    std::fs::write(path, blob).expect("write blob");
}

/// The entries of a blob written by [`save_blob`], borrowed from it: the floor's process
/// holds the output bytes once, as a writer of precomputed bytes would.
pub fn blob_entries(blob: &[u8]) -> Vec<(&str, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < blob.len() {
        let mut field = || {
            let n = u64::from_le_bytes(blob[at..at + 8].try_into().expect("8 bytes")) as usize;
            at += 8 + n;
            &blob[at - n..at]
        };
        let rel = std::str::from_utf8(field()).expect("utf-8 path");
        out.push((rel, field()));
    }
    out
}

/// Remove a tree written by a run; a failure only leaves tmpfs fuller.
fn clean(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// Everything measured for one size, as (key, value) lines for the parent. `base` is an
/// empty directory on the output filesystem.
pub fn run(plan: &Plan, base: &Path) -> Vec<(String, String)> {
    let files = workload::files(plan.clusters, plan.tenants);
    let mut kv: Vec<(String, String)> = Vec::new();
    let lab_bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    kv.push(("lab_files".into(), files.len().to_string()));
    kv.push(("lab_bytes".into(), lab_bytes.to_string()));

    // The first build, in a process that has done nothing else yet: its peak is the RSS.
    let (first, mut kept, mut lab) = cold_build(&files, &base.join("build-0"));
    kv.push(("rss_kib".into(), peak_rss_kib().to_string()));
    let map = file_map(&kept, lab);
    let out_bytes: usize = map.iter().map(|(_, b)| b.len()).sum();
    kv.push(("files".into(), map.len().to_string()));
    kv.push(("out_bytes".into(), out_bytes.to_string()));
    clean(&base.join("build-0"));

    let (mut checks, mut builds, mut floors) = (Vec::new(), vec![first], Vec::new());
    for r in 0..plan.runs {
        eprintln!(
            "  fleet({}, {}): run {}",
            plan.clusters,
            plan.tenants,
            r + 1
        );
        checks.push(cold_check(&files));
        let dir = base.join(format!("floor-{r}"));
        floors.push(floor(entries(&map), &dir));
        clean(&dir);
        if r > 0 {
            drop(kept);
            let dir = base.join(format!("build-{r}"));
            let (took, db, l) = cold_build(&files, &dir);
            (kept, lab) = (db, l);
            builds.push(took);
            clean(&dir);
        }
    }
    kv.extend(medians("check", &checks));
    kv.extend(medians("build", &builds));
    kv.extend(medians("floor", &floors));

    let blob = base.join("floor.blob");
    save_blob(&map, &blob);
    drop(map);
    kv.extend(floor_process(&blob, &base.join("floor-process")));
    let _ = std::fs::remove_file(&blob);

    kv.extend(edits(plan, &mut kept, lab));
    kv
}

/// Run the floor in a process of its own (this executable with `--floor BLOB DIR`), which
/// reports its time and its peak RSS: the memory a writer of these bytes needs.
fn floor_process(blob: &Path, dir: &Path) -> Vec<(String, String)> {
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new(exe)
        .arg("--floor")
        .arg(blob)
        .arg(dir)
        .output()
        .expect("run the floor process");
    assert!(out.status.success(), "the floor process failed");
    clean(dir);
    crate::parse_kv(&String::from_utf8_lossy(&out.stdout))
        .into_iter()
        .map(|(k, v)| (format!("floor_process_{k}"), v))
        .collect()
}

/// Recompile with the kept database after each edit, alternating each edit with its
/// reverse so that every timed recompile has real work to do.
fn edits(plan: &Plan, db: &mut LabDb, lab: Lab) -> Vec<(String, String)> {
    let mut kv = Vec::new();
    let fleet = *lab
        .files(db)
        .iter()
        .find(|f| f.path(db) == workload::FLEET_FILE)
        .expect("fleet.lab");
    let largest = (lab.files(db).iter())
        .filter(|f| !f.path(db).starts_with("std/"))
        .map(|f| f.text(db).len())
        .max();
    assert_eq!(
        largest,
        Some(fleet.text(db).len()),
        "fleet.lab is the largest lab file"
    );
    let original = fleet.text(db).clone();
    for edit in workload::edits(plan.clusters) {
        assert_eq!(original.matches(&edit.from).count(), 1, "{}", edit.label);
        let changed = original.replacen(&edit.from, &edit.to, 1);
        let mut times = Vec::new();
        for i in 0..plan.edits {
            let text = if i % 2 == 0 { &changed } else { &original };
            fleet.set_text(db).to(text.clone());
            let clock = Clock::start();
            compile_clean(db, lab);
            times.push(clock.stop());
        }
        fleet.set_text(db).to(original.clone());
        compile_clean(db, lab);
        kv.extend(medians(edit.key, &times));
    }
    kv.extend(tenant_edits(plan, db, lab));
    kv
}

/// Add a tenant file (the next index, on the next cluster of the round-robin) and remove
/// it again, `plan.edits` times each; the file count checks that each did something.
fn tenant_edits(plan: &Plan, db: &mut LabDb, lab: Lab) -> Vec<(String, String)> {
    let without = lab.files(db).clone();
    let (path, text) = workload::tenant(plan.tenants, plan.clusters);
    let new = SourceFile::new(db, path.clone(), text);
    let mut with = without.clone();
    let at = with
        .iter()
        .position(|f| !f.path(db).starts_with("std/") && *f.path(db) > path)
        .unwrap_or(with.len());
    with.insert(at, new);
    let before = compile_clean(db, lab).files.len();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for _ in 0..plan.edits {
        lab.set_files(db).to(with.clone());
        let clock = Clock::start();
        let n = compile_clean(db, lab).files.len();
        added.push(clock.stop());
        assert!(n > before, "adding a tenant adds files");
        lab.set_files(db).to(without.clone());
        let clock = Clock::start();
        let n = compile_clean(db, lab).files.len();
        removed.push(clock.stop());
        assert_eq!(n, before, "removing the tenant removes its files");
    }
    let mut kv = medians("add_tenant", &added).to_vec();
    kv.extend(medians("remove_tenant", &removed));
    kv
}
