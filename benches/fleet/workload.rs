//! The fleet workload as `.lab` source: `lab.lab`, one `fleet.lab` with every cluster (its
//! pool, BGP peering and the same ten operators plus the Gateway they publish through), and
//! one file per tenant, placed round-robin on the clusters. The edits the bench times are
//! defined here too, next to the text they change.

/// The file holding every cluster: the largest file of the lab, where the edits go.
pub const FLEET_FILE: &str = "fleet.lab";

/// Every operator a cluster runs is declared in one stdlib module each.
const USES: &str = "use std.cilium\nuse std.openebs\nuse std.external-secrets\n\
use std.cert-manager\nuse std.cloudnative-pg\nuse std.reloader\nuse std.spegel\n\
use std.coredns\nuse std.external-dns\nuse std.victoria-metrics\n";

const LAB: &str = r#"lab fleet {
  domain = "fleet.example.com"
  git    = "https://github.com/example/fleet"
  path   = "kubernetes"
  # The Gateway API CRDs come with each cluster's bootstrap, as in the example lab.
  crds "gateway.networking.k8s.io/v1" { cluster GatewayClass, Gateway, HTTPRoute, GRPCRoute }
  crds "gateway.networking.k8s.io/v1beta1" { ReferenceGrant }
}
"#;

/// One cluster `c<c>` and its components. The dependsOn edges labc derives from it:
/// cert-manager, external-dns and victoria-metrics read secrets through the store of
/// external-secrets (capability `secret_store`, CRD ExternalSecret); the Gateway uses
/// cert-manager's issuer and Cilium's CRDs; external-dns uses the Gateway (capability
/// `gateway`); victoria-metrics uses openebs' storage class.
fn cluster(c: usize) -> String {
    let net = 2 * c;
    format!(
        r#"
cluster c{c} {{
  id       = {id}
  api      = "c{c}.fleet.example.com"
  pods     = 10.{net}.0.0/16
  services = 10.{svc}.0.0/16
  bgp {{ asn = {asn}, peer = 172.16.{c}.1, peer_asn = 64501 }}
}}
pool c{c}-lb on c{c} {{ addresses = 172.16.{c}.100 .. 172.16.{c}.199 }}
install cilium on c{c}
install openebs on c{c}
install external-secrets on c{c} {{ connect_host = "http://connect.fleet.example.com", vault = "c{c}" }}
install cert-manager on c{c} {{
  email            = "admin@${{lab.domain}}"
  zone             = lab.domain
  cloudflare_token = secret("fleet/c{c}/cloudflare")
}}
install cloudnative-pg on c{c} {{ replicas = 2 }}
install reloader on c{c}
install spegel on c{c}
install coredns on c{c}
instance cilium-gateway = cilium-gateways on c{c} {{
  external_address = 172.16.{c}.110
  internal_address = 172.16.{c}.111
}}
install external-dns on c{c} {{
  provider    = "cloudflare"
  credentials = secret("fleet/c{c}/cloudflare")
  gateway     = "cilium-gateway-external"
  visibility  = "public"
}}
install victoria-metrics-k8s-stack as victoria-metrics on c{c} {{
  grafana         = true
  grafana_class   = "openebs-local-nvme"
  grafana_admin   = secret("fleet/c{c}/grafana-admin")
  grafana_storage = 10Gi
}}
"#,
        id = c + 1,
        svc = net + 1,
        asn = 64512 + c,
    )
}

/// Tenant `i` of a fleet of `clusters`: its path and text. A chart release, the
/// ExternalSecret its pods read (dependsOn external-secrets-config through the store) and
/// two CiliumNetworkPolicies (dependsOn cilium through the CRD).
pub fn tenant(i: usize, clusters: usize) -> (String, String) {
    let name = format!("t{i:05}");
    let c = i % clusters;
    let text = format!(
        r#"use std.external-secrets
use std.network-policy

tenant {name} on c{c} {{
  chart = oci("oci://ghcr.io/example/charts/web", "1.4.0")
  values {{
    replicas  = 2
    image.tag = "v1.0.{i}"
    envFrom   = [{{ secretRef.name = "{name}-env" }}]
  }}
  include external-secret {{ secret_name = "{name}-env", source = secret("fleet/tenants/{name}") }}
  include allow-ingress {{ policy_name = "allow-gateway", ns = name, entities = ["ingress"], ports = [8080] }}
  include allow-egress {{ policy_name = "allow-dns", ns = name, namespaces = ["kube-system"], ports = [53], udp = true }}
}}
"#
    );
    (format!("tenants/{name}.lab"), text)
}

/// The whole lab of fleet(`clusters`, `tenants`) as (path, text) pairs.
pub fn files(clusters: usize, tenants: usize) -> Vec<(String, String)> {
    let mut fleet = String::from(USES);
    for c in 0..clusters {
        fleet.push_str(&cluster(c));
    }
    let mut files = vec![
        ("lab.lab".to_string(), LAB.to_string()),
        (FLEET_FILE.to_string(), fleet),
    ];
    files.extend((0..tenants).map(|i| tenant(i, clusters)));
    files
}

/// An edit of `FLEET_FILE` that the bench applies and reverts in turn: `from` occurs
/// exactly once in the generated text and becomes `to`.
pub struct Edit {
    pub label: &'static str,
    pub key: &'static str,
    pub from: String,
    pub to: String,
}

/// The three edits of the largest file: one that keeps its length in the middle cluster,
/// one that changes it in the first declaration, one in the last.
pub fn edits(clusters: usize) -> [Edit; 3] {
    let mid = clusters / 2;
    let last = clusters - 1;
    [
        Edit {
            label: "same-length edit (middle of fleet.lab)",
            key: "edit_same",
            from: format!("install cloudnative-pg on c{mid} {{ replicas = 2 }}"),
            to: format!("install cloudnative-pg on c{mid} {{ replicas = 3 }}"),
        },
        Edit {
            label: "length-changing edit (start of fleet.lab)",
            key: "edit_start",
            from: "api      = \"c0.fleet.example.com\"".to_string(),
            to: "api      = \"c0-api.fleet.example.com\"".to_string(),
        },
        Edit {
            label: "length-changing edit (end of fleet.lab)",
            key: "edit_end",
            from: format!("grafana_admin   = secret(\"fleet/c{last}/grafana-admin\")\n  grafana_storage = 10Gi"),
            to: format!("grafana_admin   = secret(\"fleet/c{last}/grafana-admin\")\n  grafana_storage = 100Gi"),
        },
    ]
}
