//! `labc graph`: the Flux Kustomization graph of each cluster (its `dependsOn` edges, each
//! labelled with why lowering derived it, and `via mesh` references to other clusters),
//! built from the lowered IR and rendered as Graphviz DOT or a Mermaid flowchart. Pure:
//! the CLI prints the text (and runs Graphviz for SVG).
//!
//! Edges point from a Kustomization to what it waits for (`A -> B`: `A` depends on `B`),
//! so both formats lay the graph out right to left: what comes first is on the left.

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab};
use crate::lower::{cluster_ir, ClusterIr, KustomizationIr, Reason, Why};
use crate::sema::index::item_index;

/// The Kustomization labc writes into every cluster's `flux-system/gotk-sync.yaml`; it
/// applies every other one.
pub const FLUX_SYSTEM: &str = "flux-system";

/// How many reasons an edge's label lists before it says how many more there are.
const MAX_REASONS: usize = 3;

/// A Kustomization, by cluster and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeRef {
    pub cluster: String,
    pub name: String,
}

/// What an edge means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// `dependsOn` on the same cluster.
    DependsOn,
    /// A Kustomization without `dependsOn` starts once `flux-system` applied it.
    AppliedBy,
    /// A `via mesh` reference to a component on another cluster (no `dependsOn`).
    Mesh,
}

/// One edge, `from` waits for (or refers to) `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: NodeRef,
    pub to: NodeRef,
    pub kind: EdgeKind,
    /// The lines of its label, one per reason.
    pub label: Vec<String>,
}

/// The graph of one cluster: its Kustomizations (`flux-system` first, then in the order
/// labc emits them) and the edges that start there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterGraph {
    pub cluster: String,
    pub nodes: Vec<String>,
    pub edges: Vec<Edge>,
}

/// The clusters of the lab, in declaration order.
pub fn cluster_names(db: &dyn Db, lab: Lab) -> Vec<String> {
    item_index(db, lab).clusters.keys().cloned().collect()
}

/// The graphs of the lab's clusters, or of `only` (mesh edges still reach into the
/// others). A cluster without IR (no valid `lab` declaration) is left out.
pub fn lab_graph(db: &dyn Db, lab: Lab, only: Option<&str>) -> Vec<ClusterGraph> {
    let names = cluster_names(db, lab);
    let irs: Vec<&ClusterIr> = names
        .iter()
        .filter_map(|c| cluster_ir(db, lab, c.clone()).as_ref())
        .collect();
    irs.iter()
        .filter(|ir| only.is_none_or(|o| o == ir.name))
        .map(|ir| cluster_graph(ir, &irs))
        .collect()
}

/// One cluster's graph; `all` are every cluster's IR, where mesh targets are looked up.
fn cluster_graph(ir: &ClusterIr, all: &[&ClusterIr]) -> ClusterGraph {
    let node = |name: &str| NodeRef {
        cluster: ir.name.clone(),
        name: name.to_string(),
    };
    let mut nodes = vec![FLUX_SYSTEM.to_string()];
    let mut edges = Vec::new();
    for k in &ir.kustomizations {
        nodes.push(k.name.clone());
        for dep in &k.depends_on {
            edges.push(Edge {
                from: node(&k.name),
                to: node(dep),
                kind: EdgeKind::DependsOn,
                label: reason_label(k.reasons.get(dep).map(Vec::as_slice).unwrap_or(&[])),
            });
        }
        if k.depends_on.is_empty() {
            edges.push(Edge {
                from: node(&k.name),
                to: node(FLUX_SYSTEM),
                kind: EdgeKind::AppliedBy,
                label: Vec::new(),
            });
        }
    }
    for k in &ir.kustomizations {
        edges.extend(mesh_edges(ir, k, all));
    }
    ClusterGraph {
        cluster: ir.name.clone(),
        nodes,
        edges,
    }
}

/// The `via mesh` edges of `k`, one per target: to the target component's last
/// Kustomization on its cluster (its "ready" point, `-config` when it has one), or to its
/// name when it has none there.
fn mesh_edges(ir: &ClusterIr, k: &KustomizationIr, all: &[&ClusterIr]) -> Vec<Edge> {
    let mut out: Vec<Edge> = Vec::new();
    for u in &k.mesh_uses {
        let target = all
            .iter()
            .find(|other| other.name == u.cluster)
            .and_then(|other| {
                other
                    .kustomizations
                    .iter()
                    .rev()
                    .find(|t| t.component == u.name)
            })
            .map_or(u.name.clone(), |t| t.name.clone());
        let to = NodeRef {
            cluster: u.cluster.clone(),
            name: target,
        };
        if out.iter().any(|e| e.to == to) {
            continue;
        }
        out.push(Edge {
            from: NodeRef {
                cluster: ir.name.clone(),
                name: k.name.clone(),
            },
            to,
            kind: EdgeKind::Mesh,
            label: vec!["via mesh".to_string()],
        });
    }
    out
}

/// The label lines of a `dependsOn` edge: one per reason, at most `MAX_REASONS`.
fn reason_label(reasons: &[Reason]) -> Vec<String> {
    if reasons.is_empty() {
        return vec!["dependsOn".to_string()];
    }
    let mut lines: Vec<String> = reasons
        .iter()
        .take(MAX_REASONS)
        .map(|r| why_text(&r.why))
        .collect();
    if reasons.len() > MAX_REASONS {
        lines.push(format!("+{} more", reasons.len() - MAX_REASONS));
    }
    lines
}

/// A reason in a few words: `ref`, `storage class fast`, `CRD example.com/Widget`,
/// `namespace apps`, `own CRDs`.
pub fn why_text(why: &Why) -> String {
    match why {
        Why::Reference { .. } => "ref".to_string(),
        Why::Capability { kind, value } => format!("{} {value}", kind.replace('_', " ")),
        Why::Crd { api_version, kind } => {
            let group = api_version
                .rsplit_once('/')
                .map_or(api_version.as_str(), |(g, _)| g);
            format!("CRD {group}/{kind}")
        }
        Why::Namespace { namespace } => format!("namespace {namespace}"),
        Why::OwnCrds => "own CRDs".to_string(),
        Why::DependsOn { .. } => "depends_on".to_string(),
    }
}

/// Every node of `graphs`, in order.
fn known_nodes(graphs: &[ClusterGraph]) -> IndexSet<NodeRef> {
    graphs
        .iter()
        .flat_map(|g| {
            g.nodes.iter().map(|name| NodeRef {
                cluster: g.cluster.clone(),
                name: name.clone(),
            })
        })
        .collect()
}

/// The targets of edges that no graph in `graphs` has as a node (mesh targets on a
/// cluster left out, or a component without a Kustomization there), in order.
fn external_nodes(graphs: &[ClusterGraph], known: &IndexSet<NodeRef>) -> IndexSet<NodeRef> {
    graphs
        .iter()
        .flat_map(|g| &g.edges)
        .filter(|e| !known.contains(&e.to))
        .map(|e| e.to.clone())
        .collect()
}

// ---- DOT ----

/// A DOT quoted string: quotes and backslashes escaped, line breaks as `\n`, other
/// control characters as spaces (a capability value is any string).
fn dot_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot_id(n: &NodeRef) -> String {
    dot_str(&format!("{}/{}", n.cluster, n.name))
}

fn dot_edge(e: &Edge) -> String {
    let mut attrs = Vec::new();
    if !e.label.is_empty() {
        attrs.push(format!("label={}", dot_str(&e.label.join("\n"))));
    }
    match e.kind {
        EdgeKind::DependsOn => {}
        EdgeKind::AppliedBy => attrs.push("style=dotted, color=gray50".to_string()),
        EdgeKind::Mesh => attrs.push("style=dashed, constraint=false".to_string()),
    }
    let attrs = if attrs.is_empty() {
        String::new()
    } else {
        format!(" [{}]", attrs.join(", "))
    };
    format!("{} -> {}{attrs};", dot_id(&e.from), dot_id(&e.to))
}

/// Graphviz DOT of `graphs`: each cluster a `subgraph cluster_...` box when
/// `subgraphs`, else one graph labelled with the (single) cluster. Edges that cross
/// clusters are written after every cluster, so no node is pulled into a box not its own.
pub fn to_dot(graphs: &[ClusterGraph], subgraphs: bool) -> String {
    let mut out = String::from("digraph labc {\n");
    out.push_str("  rankdir=RL;\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    let indent = if subgraphs { "    " } else { "  " };
    let mut crossing = Vec::new();
    for g in graphs {
        let title = dot_str(&format!("cluster {}", g.cluster));
        if subgraphs {
            let id = dot_str(&format!("cluster_{}", g.cluster));
            out.push_str(&format!("  subgraph {id} {{\n    label={title};\n"));
        } else {
            out.push_str(&format!("  label={title};\n  labelloc=t;\n"));
        }
        for (i, name) in g.nodes.iter().enumerate() {
            let n = NodeRef {
                cluster: g.cluster.clone(),
                name: name.clone(),
            };
            // The first node is `flux-system` (no component may take that name, E0508).
            let shape = if i == 0 {
                ", shape=box3d, style=\"\""
            } else {
                ""
            };
            out.push_str(&format!(
                "{indent}{} [label={}{shape}];\n",
                dot_id(&n),
                dot_str(name)
            ));
        }
        for e in &g.edges {
            if e.to.cluster == g.cluster {
                out.push_str(&format!("{indent}{}\n", dot_edge(e)));
            } else {
                crossing.push(e);
            }
        }
        if subgraphs {
            out.push_str("  }\n");
        }
    }
    for n in external_nodes(graphs, &known_nodes(graphs)) {
        let label = format!("{}\n(cluster {})", n.name, n.cluster);
        out.push_str(&format!(
            "  {} [label={}, style=\"rounded,dashed\"];\n",
            dot_id(&n),
            dot_str(&label)
        ));
    }
    for e in crossing {
        out.push_str(&format!("  {}\n", dot_edge(e)));
    }
    out.push_str("}\n");
    out
}

// ---- Mermaid ----

/// A Mermaid quoted label: characters Mermaid reads as markup or that end the quote
/// written as entity codes (`#quot;`), line breaks as `<br>`, other control characters as
/// spaces.
fn mermaid_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Mermaid node ids: `c<cluster>n<node>` by position, `x<n>` for external nodes, so no
/// name (with `-`, or a keyword such as `end`) can break the syntax.
struct MermaidIds {
    ids: IndexMap<NodeRef, String>,
    external: IndexSet<NodeRef>,
}

impl MermaidIds {
    fn new(graphs: &[ClusterGraph]) -> Self {
        let mut ids = IndexMap::new();
        for (ci, g) in graphs.iter().enumerate() {
            for (ni, name) in g.nodes.iter().enumerate() {
                let n = NodeRef {
                    cluster: g.cluster.clone(),
                    name: name.clone(),
                };
                ids.entry(n).or_insert_with(|| format!("c{ci}n{ni}"));
            }
        }
        let known: IndexSet<NodeRef> = ids.keys().cloned().collect();
        let external = external_nodes(graphs, &known);
        for (xi, n) in external.iter().enumerate() {
            ids.insert(n.clone(), format!("x{xi}"));
        }
        MermaidIds { ids, external }
    }

    fn id(&self, n: &NodeRef) -> &str {
        self.ids.get(n).map_or("x", String::as_str)
    }
}

fn mermaid_edge(ids: &MermaidIds, e: &Edge) -> String {
    let arrow = match e.kind {
        EdgeKind::Mesh => "-.->",
        EdgeKind::DependsOn | EdgeKind::AppliedBy => "-->",
    };
    let label = if e.label.is_empty() {
        String::new()
    } else {
        format!("|{}|", mermaid_str(&e.label.join("\n")))
    };
    format!("  {} {arrow}{label} {}\n", ids.id(&e.from), ids.id(&e.to))
}

/// A Mermaid `flowchart` of `graphs` (GitHub renders it in a ```mermaid block): each
/// cluster a subgraph when `subgraphs`; every node is declared inside its cluster before
/// any edge, so edges cannot move a node into another subgraph. `-->` is `dependsOn` (and
/// an unlabelled one, being applied by `flux-system`), `-.->` a `via mesh` reference.
pub fn to_mermaid(graphs: &[ClusterGraph], subgraphs: bool) -> String {
    let ids = MermaidIds::new(graphs);
    let mut out = String::from("flowchart RL\n");
    let indent = if subgraphs { "    " } else { "  " };
    for (ci, g) in graphs.iter().enumerate() {
        let title = mermaid_str(&format!("cluster {}", g.cluster));
        if subgraphs {
            out.push_str(&format!("  subgraph c{ci} [{title}]\n"));
        } else {
            out.push_str(&format!("  %% cluster {}\n", g.cluster));
        }
        for (ni, name) in g.nodes.iter().enumerate() {
            let label = mermaid_str(name);
            if ni == 0 {
                out.push_str(&format!("{indent}c{ci}n{ni}[[{label}]]\n"));
            } else {
                out.push_str(&format!("{indent}c{ci}n{ni}[{label}]\n"));
            }
        }
        if subgraphs {
            out.push_str("  end\n");
        }
    }
    for (xi, n) in ids.external.iter().enumerate() {
        let label = mermaid_str(&format!("{}\n(cluster {})", n.name, n.cluster));
        out.push_str(&format!("  x{xi}[{label}]:::external\n"));
    }
    for g in graphs {
        for e in &g.edges {
            out.push_str(&mermaid_edge(&ids, e));
        }
    }
    if !ids.external.is_empty() {
        out.push_str("  classDef external stroke-dasharray: 5 5\n");
    }
    out
}
