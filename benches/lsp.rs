//! Benchmark: the time from a `textDocument/didChange` to the `publishDiagnostics` it
//! causes, through the language server of `labc::lsp::serve` on
//! `lsp_server::Connection::memory()`, and the process's resident memory as the edits go on.
//!
//! The edit is one line of one file: an integer setting becomes the string `"x"` (E0301),
//! then goes back, in turn, so every edit changes the file's diagnostics and is published.
//! Two labs: the example lab (`lab/`, edited in `messaging.lab`) and the fleet benchmark's
//! generated lab (`fleet.lab` of fleet(20, 2000), written to a temporary directory, since
//! the server reads a lab from disk). Each runs in a child process (this executable again,
//! `--child NAME`) so that its memory is its own; the parent prints one Markdown table.
//!
//! `cargo bench --bench lsp`; `-- --labs example` runs one lab, `-- --edits N` sets the
//! number of timed edits (default 1,000), `-- --fleet CxT` the fleet's size. See
//! benches/README.md.

#[path = "fleet/machine.rs"]
mod machine;
// The lab generator of the fleet bench; only `files` is used here.
#[allow(dead_code)]
#[path = "fleet/workload.rs"]
mod workload;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

/// A bound against a hang, not a speed check: the wait for one answer of the server.
const HANG: Duration = Duration::from_secs(600);

/// The command line: which labs, how many edits, or which child role this process plays.
struct Args {
    labs: Vec<String>,
    edits: usize,
    fleet: (usize, usize),
    child: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        labs: vec!["example".into(), "fleet".into()],
        edits: 1_000,
        fleet: (20, 2_000),
        child: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--labs" => args.labs = value().split(',').map(str::to_string).collect(),
            "--edits" => args.edits = value().parse().expect("--edits N"),
            "--fleet" => {
                let v = value();
                let (c, t) = v.split_once('x').expect("--fleet CLUSTERSxTENANTS");
                args.fleet = (c.parse().expect("clusters"), t.parse().expect("tenants"));
            }
            "--child" => args.child = Some(value()),
            // `cargo bench` passes `--bench`; libtest options mean nothing here.
            _ => {}
        }
    }
    args.edits = args.edits.max(2);
    args
}

/// The lab one child edits: its root, the file, and where in it the value to edit is.
struct Target {
    root: PathBuf,
    file: PathBuf,
    /// Text that occurs exactly once in the file; the value is its last character.
    anchor: String,
    /// Holds the fleet's generated lab until the child ends.
    _temp: Option<tempfile::TempDir>,
}

fn target(name: &str, (clusters, tenants): (usize, usize)) -> Target {
    match name {
        "example" => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
            Target {
                file: root.join("messaging.lab"),
                root,
                anchor: "as strimzi-operator on apps {\n  replicas         = 2".into(),
                _temp: None,
            }
        }
        "fleet" => {
            let temp = tempfile::tempdir().expect("a temporary directory");
            let root = temp.path().join("fleet");
            for (rel, text) in workload::files(clusters, tenants) {
                let path = root.join(rel);
                std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
                std::fs::write(&path, text).expect("write the lab");
            }
            let mid = clusters / 2;
            Target {
                file: root.join("fleet.lab"),
                root,
                anchor: format!("install cloudnative-pg on c{mid} {{ replicas = 2"),
                _temp: Some(temp),
            }
        }
        _ => panic!("a lab is `example` or `fleet`, not `{name}`"),
    }
}

/// The (line, UTF-16 character) of byte `offset` of `text`.
fn position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[start..].encode_utf16().count();
    (line as u32, character as u32)
}

/// The editor's end of the connection.
struct Client {
    conn: Connection,
    next_id: i32,
}

impl Client {
    fn send(&self, m: impl Into<Message>) {
        self.conn
            .sender
            .send(m.into())
            .expect("the server is alive");
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.to_string(), params));
    }

    /// The next message that is not a log line; requests of the server (registrations)
    /// are accepted.
    fn recv(&self) -> Message {
        loop {
            let m = self
                .conn
                .receiver
                .recv_timeout(HANG)
                .expect("the server answers");
            match m {
                Message::Request(r) => self.send(Response::new_ok(r.id, Value::Null)),
                Message::Notification(n) if n.method == "window/logMessage" => {}
                m => return m,
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.to_string(), params));
        loop {
            if let Message::Response(r) = self.recv() {
                if r.id == id {
                    return r.response_result.expect("the request succeeds");
                }
            }
        }
    }

    /// The diagnostics next published for `uri`.
    fn diagnostics(&self, uri: &str) -> Vec<Value> {
        loop {
            if let Message::Notification(n) = self.recv() {
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri {
                    return n.params["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                }
            }
        }
    }
}

/// The process's CPU time (every thread: the server's loop and its checks; the client
/// only waits), in milliseconds. Exact, where /proc's counters lag a tick.
fn process_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for clock_gettime to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// The resident memory of this process now, in KiB: the second field of /proc/self/statm
/// (pages).
fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("statm's resident field");
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page / 1024
}

/// The `q` quantile (0..=1) of sorted `xs`, the nearest rank.
fn quantile(xs: &[f64], q: f64) -> f64 {
    let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    xs[rank - 1]
}

/// One child: start the server, open the file, then `edits` timed edits after one
/// untimed pair (the first check of the lab is a cold one). Prints `key value` lines.
fn child(name: &str, args: &Args) {
    let t = target(name, args.fleet);
    let text = std::fs::read_to_string(&t.file).expect("read the edited file");
    assert_eq!(text.matches(&t.anchor).count(), 1, "the anchor occurs once");
    let value_at = text.find(&t.anchor).unwrap() + t.anchor.len() - 1;
    let (line, character) = position(&text, value_at);
    let uri = labc::lsp::path_uri(&t.file).expect("an absolute path");
    let uri = uri.as_str().to_string();

    let (server_end, conn) = Connection::memory();
    let server = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || labc::lsp::serve(&server_end, labc::lsp::Options::default()))
        .expect("start the server");
    let mut c = Client { conn, next_id: 0 };
    let root_uri = labc::lsp::path_uri(&t.root).expect("an absolute path");
    c.request(
        "initialize",
        json!({"capabilities": {}, "processId": null, "rootUri": root_uri}),
    );
    c.notify("initialized", json!({}));
    let open =
        json!({"textDocument": {"uri": uri, "languageId": "lab", "version": 1, "text": text}});
    c.notify("textDocument/didOpen", open);

    let error = "\"x\"";
    let mut version = 1;
    // Edit `k` (from 0) breaks the value when even and fixes it when odd.
    let mut edit = |c: &Client, k: usize| {
        version += 1;
        let breaks = k.is_multiple_of(2);
        let (range, new) = if breaks {
            ((character, character + 1), error)
        } else {
            ((character, character + error.len() as u32), "2")
        };
        let params = json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {
                "start": {"line": line, "character": range.0},
                "end": {"line": line, "character": range.1},
            }, "text": new}],
        });
        let (wall, cpu) = (Instant::now(), process_cpu_ms());
        c.notify("textDocument/didChange", params);
        let diags = c.diagnostics(&uri);
        let took = (wall.elapsed().as_secs_f64() * 1e3, process_cpu_ms() - cpu);
        if breaks {
            assert!(
                diags.iter().any(|d| d["code"] == "E0301"),
                "the error is reported: {diags:?}"
            );
        } else {
            assert!(diags.is_empty(), "the fix clears it: {diags:?}");
        }
        took
    };
    let cold = edit(&c, 0);
    edit(&c, 1);
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    let mut rss_100 = None;
    // Every 100 edits, to tell a plateau from a slow leak.
    let mut rss_steps = Vec::new();
    for k in 0..args.edits {
        let (wall, cpu) = edit(&c, k);
        walls.push(wall);
        cpus.push(cpu);
        if k + 1 == 100 {
            rss_100 = Some(resident_kib());
        }
        if (k + 1) % 100 == 0 {
            rss_steps.push(format!("{:.1}", resident_kib() as f64 / 1024.0));
        }
    }
    let rss_end = resident_kib();
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(server.join().expect("the server ends"), Ok(true));

    walls.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    println!("lines {}", text.lines().count());
    println!("first_ms {:.1}", cold.0);
    println!("edits {}", args.edits);
    println!("median_ms {:.2}", quantile(&walls, 0.5));
    println!("p90_ms {:.2}", quantile(&walls, 0.9));
    println!("max_ms {:.2}", quantile(&walls, 1.0));
    println!("median_cpu_ms {:.2}", quantile(&cpus, 0.5));
    println!("p90_cpu_ms {:.2}", quantile(&cpus, 0.9));
    if let Some(kib) = rss_100 {
        println!("rss_100_kib {kib}");
    }
    println!("rss_end_kib {rss_end}");
    println!("rss_steps_mib {}", rss_steps.join(","));
}

type Report = Vec<(String, String)>;

fn run_child(name: &str, args: &Args) -> Report {
    eprintln!("{name} ...");
    let exe = std::env::current_exe().expect("current_exe");
    let (c, t) = args.fleet;
    let out = Command::new(exe)
        .args(["--child", name, "--edits", &args.edits.to_string()])
        .args(["--fleet", &format!("{c}x{t}")])
        .stderr(Stdio::inherit())
        .output()
        .expect("run a child");
    assert!(out.status.success(), "the {name} lab failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

fn main() {
    let args = parse_args();
    if let Some(name) = &args.child {
        return child(name, &args);
    }
    let load_before = machine::loadavg();
    let results: Vec<(String, Report)> = args
        .labs
        .iter()
        .map(|name| (name.clone(), run_child(name, &args)))
        .collect();
    print_machine(&load_before);
    print_table(&results, &args);
}

fn print_machine(load_before: &str) {
    println!();
    println!("machine: {}", machine::cores_and_cpu());
    println!(
        "load average before: {load_before}, after: {}",
        machine::loadavg()
    );
    println!();
}

/// One Markdown table: a column per lab.
fn print_table(results: &[(String, Report)], args: &Args) {
    let get = |kv: &Report, k: &str| -> String {
        let v = kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        v.unwrap_or_else(|| "?".into())
    };
    let (c, t) = args.fleet;
    let mut head = "| lab |".to_string();
    let mut rule = "|---|".to_string();
    for (name, _) in results {
        let label = match name.as_str() {
            "fleet" => format!(" fleet({c}, {t}), `fleet.lab` |"),
            _ => " example (`lab/`), `messaging.lab` |".to_string(),
        };
        head.push_str(&label);
        rule.push_str("---|");
    }
    println!("{head}\n{rule}");
    let row = |label: &str, cell: &dyn Fn(&Report) -> String| {
        let cells: Vec<String> = results.iter().map(|(_, kv)| cell(kv)).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    let mib = |kv: &Report, k: &str| match get(kv, k).parse::<f64>() {
        Ok(kib) => format!("{:.1} MiB", kib / 1024.0),
        Err(_) => "- (fewer edits)".to_string(),
    };
    row("lines of the edited file", &|kv| get(kv, "lines"));
    row("first edit (a cold check)", &|kv| {
        format!("{} ms", get(kv, "first_ms"))
    });
    row("timed edits", &|kv| get(kv, "edits"));
    row("didChange → publishDiagnostics, median / p90", &|kv| {
        format!("{} / {} ms", get(kv, "median_ms"), get(kv, "p90_ms"))
    });
    row("the same, process CPU, median / p90", &|kv| {
        format!(
            "{} / {} ms",
            get(kv, "median_cpu_ms"),
            get(kv, "p90_cpu_ms")
        )
    });
    row("slowest edit", &|kv| format!("{} ms", get(kv, "max_ms")));
    row("resident memory after 100 edits", &|kv| {
        mib(kv, "rss_100_kib")
    });
    row("resident memory after the last edit", &|kv| {
        mib(kv, "rss_end_kib")
    });
    row("resident memory every 100 edits, MiB", &|kv| {
        get(kv, "rss_steps_mib").replace(',', ", ")
    });
}
