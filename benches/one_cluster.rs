//! Benchmark: one cluster with N tenants (N = 5,000, 20,000 and 60,000), each in its own
//! file with a ConfigMap, compiled from scratch. The time per tenant must stay flat as N
//! grows: a scan over all components per component would show here as a time per tenant
//! that grows with N. Run with `cargo bench --bench one_cluster` (or `-- 5000` for one N).

use std::time::Instant;

const SIZES: &[usize] = &[5_000, 20_000, 60_000];

fn lab(tenants: usize) -> Vec<(String, String)> {
    let mut files = vec![(
        "lab.lab".to_string(),
        "lab fleet { domain = \"example.com\", git = \"https://github.com/me/fleet\", path = \"kubernetes\" }\n\
         cluster c0 {\n  id = 1\n  api = \"c0.example.com\"\n  pods = 10.100.0.0/16\n  services = 10.200.0.0/16\n}\n"
            .to_string(),
    )];
    for t in 0..tenants {
        files.push((
            format!("tenants/t{t}.lab"),
            format!(
                "tenant t{t} on c0 {{\n  resource \"v1\" ConfigMap \"t{t}-settings\" {{\n    data.cluster = cluster.name\n    data.domain = lab.domain\n  }}\n}}\n"
            ),
        ));
    }
    files
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        SIZES.to_vec()
    } else {
        sizes
    };
    for n in sizes {
        let db = labc::db::LabDb::default();
        let lab = db.load(lab(n));
        let start = Instant::now();
        let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        let elapsed = start.elapsed();
        if !diags.is_empty() {
            eprintln!(
                "{}",
                labc::diag::render_plain(&db, &diags[..diags.len().min(3)])
            );
            panic!("the one-cluster lab has {} diagnostics", diags.len());
        }
        println!(
            "one cluster, {n:>6} tenants, {:>6} files: {:>9.1} ms ({:.1} µs per tenant)",
            out.files.len(),
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e6 / n as f64
        );
    }
}
