//! Which chart ships which API groups, as the stdlib's operators say (`chart = ...` and
//! `crds "group/version"` in one `operator` block): the importer gives a custom resource's
//! CRDs to the component installing that chart, so labc orders the users after it and
//! does not take the kinds for ones the bootstrap installs. Read from the stdlib's text
//! line by line (it is labc-formatted), not evaluated.

/// (API group, chart name) for every `crds` statement of a stdlib operator.
pub fn group_charts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (_, text) in crate::stdlib::FILES {
        let mut chart: Option<String> = None;
        let mut groups: Vec<String> = Vec::new();
        let mut in_operator = false;
        for line in text.lines() {
            if line.starts_with("operator ") {
                in_operator = true;
            } else if line.starts_with('}') && in_operator {
                if let Some(c) = chart.take() {
                    out.extend(groups.drain(..).map(|g| (g, c.clone())));
                }
                groups.clear();
                in_operator = false;
            } else if in_operator {
                let t = line.trim_start();
                if t.starts_with("chart ") || t.starts_with("chart=") {
                    chart = chart_name(t);
                } else if let Some(rest) = t.strip_prefix("crds \"") {
                    let api = rest.split('"').next().unwrap_or_default();
                    let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or_default();
                    if !group.is_empty() {
                        groups.push(group.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Custom resource kinds that are cluster-scoped: the stdlib's `crds ... { cluster Kind }`,
/// and the Gateway API's GatewayClass (installed by a bootstrap, so in no operator).
pub fn cluster_kinds() -> &'static [String] {
    static KINDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| {
        let mut out = vec!["GatewayClass".to_string()];
        for (_, text) in crate::stdlib::FILES {
            let mut in_crds = false;
            for line in text.lines() {
                let t = line.trim_start();
                in_crds |= t.starts_with("crds \"");
                if in_crds {
                    let words: Vec<&str> = t
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .collect();
                    for w in words.windows(2) {
                        if w[0] == "cluster" && !w[1].is_empty() && !out.iter().any(|k| k == w[1]) {
                            out.push(w[1].to_string());
                        }
                    }
                }
                if t.contains('}') {
                    in_crds = false;
                }
            }
        }
        out
    })
}

/// The chart's name in `chart = oci("oci://host/path/name", ...)` or
/// `chart = helm("url", "name", ...)`.
fn chart_name(line: &str) -> Option<String> {
    let args: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    if line.contains("oci(") {
        args.first()
            .and_then(|u| u.rsplit('/').next())
            .map(str::to_string)
    } else if line.contains("helm(") {
        args.get(1).map(|s| s.to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stdlib_names_its_shippers() {
        let pairs = super::group_charts();
        let has = |g: &str, c: &str| pairs.iter().any(|(a, b)| a == g && b == c);
        assert!(has("postgresql.cnpg.io", "cloudnative-pg"), "{pairs:?}");
        assert!(
            has("kafka.strimzi.io", "strimzi-kafka-operator"),
            "{pairs:?}"
        );
        assert!(has("external-secrets.io", "external-secrets"), "{pairs:?}");
        let kinds = super::cluster_kinds();
        assert!(
            kinds.iter().any(|k| k == "CiliumLoadBalancerIPPool"),
            "{kinds:?}"
        );
        assert!(kinds.iter().any(|k| k == "ClusterSecretStore"), "{kinds:?}");
        assert!(!kinds.iter().any(|k| k == "ExternalSecret"), "{kinds:?}");
    }
}
