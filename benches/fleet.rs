//! Benchmark: a synthetic fleet of 20 clusters and 2,000 tenants (each with a database on
//! its cluster's shared Postgres and a ConfigMap), compiled from scratch, then recompiled
//! after editing one tenant. Run with `cargo bench --bench fleet`.

use std::time::{Duration, Instant};

use salsa::Setter as _;

const CLUSTERS: usize = 20;
const TENANTS_PER_CLUSTER: usize = 100;

fn fleet() -> Vec<(String, String)> {
    let mut files = vec![(
        "lab.lab".to_string(),
        "lab fleet { domain = \"example.com\", git = \"https://github.com/me/fleet\", path = \"kubernetes\" }\n".to_string(),
    )];
    for c in 0..CLUSTERS {
        let mut text = String::from(
            "use std.cilium\nuse std.openebs\nuse std.external-secrets\nuse std.cloudnative-pg\n",
        );
        text.push_str(&format!(
            "cluster c{c} {{\n  id = {id}\n  api = \"c{c}.example.com\"\n  pods = 10.{p}.0.0/16\n  services = 10.{s}.0.0/16\n  bgp {{ asn = {asn}, peer = 192.168.{c}.1, peer_asn = 64501 }}\n}}\n",
            id = c + 1,
            p = 100 + c,
            s = 200 + c,
            asn = 64600 + c
        ));
        text.push_str(&format!(
            "pool c{c}-lb on c{c} {{ addresses = 192.168.{c}.100 .. 192.168.{c}.150 }}\n"
        ));
        text.push_str(&format!(
            "install cilium on c{c}\ninstall openebs on c{c}\ninstall cloudnative-pg on c{c}\n"
        ));
        text.push_str(&format!(
            "install external-secrets on c{c} {{ connect_host = \"http://op.example.com\", vault = \"Fleet\" }}\n"
        ));
        let roles: Vec<String> = (0..TENANTS_PER_CLUSTER)
            .map(|t| format!("\"db{c}-{t}\""))
            .collect();
        text.push_str(&format!(
            "instance pg-c{c} = postgres on c{c} {{ storage = 80Gi, wal_storage = 20Gi, class = \"openebs-local-nvme\", max_connections = 5000, roles = [{}] }}\n",
            roles.join(", ")
        ));
        files.push((format!("clusters/c{c}.lab"), text));
        for t in 0..TENANTS_PER_CLUSTER {
            let name = format!("t{c}-{t}");
            files.push((
                format!("tenants/c{c}/{name}.lab"),
                format!(
                    "use std.cloudnative-pg\n\ntenant {name} on c{c} {{\n  include postgres-database {{\n    server = pg-c{c}\n    database = \"{db}\"\n    credentials = secret(\"fleet/{name}/db\")\n    max_client_conn = 100\n  }}\n  resource \"v1\" ConfigMap \"{name}-settings\" {{\n    data.cache = str(90% of 2Gi)\n    data.cluster = cluster.name\n  }}\n}}\n",
                    db = name.replace('t', "db")
                ),
            ));
        }
    }
    files
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn main() {
    let files = fleet();
    let mut db = labc::db::LabDb::default();
    let lab = db.load(files);
    let ((count, errors), cold) = time(|| {
        let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        (out.files.len(), diags.len())
    });
    if errors > 0 {
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        eprintln!(
            "{}",
            labc::diag::render_plain(&db, &diags[..diags.len().min(3)])
        );
        panic!("the synthetic fleet has {errors} diagnostics");
    }
    println!(
        "fleet: {CLUSTERS} clusters, {} tenants, {count} files",
        CLUSTERS * TENANTS_PER_CLUSTER
    );
    println!("cold compile:         {:>8.1} ms", cold.as_secs_f64() * 1e3);

    let file = *lab
        .files(&db)
        .iter()
        .find(|f| f.path(&db) == "tenants/c3/t3-7.lab")
        .expect("tenant file");
    let text = file
        .text(&db)
        .replace("max_client_conn = 100", "max_client_conn = 120");
    file.set_text(&mut db).to(text);
    let (_, warm) = time(|| labc::compile::compile_with_diagnostics(&db, lab).1.len());
    println!(
        "after one tenant edit: {:>8.1} ms",
        warm.as_secs_f64() * 1e3
    );
    let (_, noop) = time(|| labc::compile::compile_with_diagnostics(&db, lab).1.len());
    println!("no-op recompile:      {:>8.1} ms", noop.as_secs_f64() * 1e3);
    // Peak resident memory of the whole run (Linux only; the bench reads it, no test does).
    if let Some(peak) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
    {
        println!(
            "peak memory:          {}",
            peak.trim_start_matches("VmHWM:").trim()
        );
    }
}
