//! The registry of diagnostic codes and their explanations (`labc explain CODE`).
//!
//! Codes are stable: a code is never reused for another mistake. Bands by phase:
//! E01xx syntax, E02xx names and declarations, E03xx types and literals,
//! E04xx whole-lab checks, E05xx lowering to Flux.

/// One registered code.
pub struct Code {
    pub code: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
}

pub fn lookup(code: &str) -> Option<&'static Code> {
    let code = code.trim().to_ascii_uppercase();
    CODES.iter().find(|c| c.code == code)
}

pub const CODES: &[Code] = &[
    Code {
        code: "E0101",
        title: "syntax error",
        explanation: "The parser expected something else at this point. The message says what it \
expected and what it found.\n\nAfter a syntax error labc skips to the next line that starts with a \
declaration keyword (`cluster`, `tenant`, ...) and goes on, so one run shows the syntax errors of \
every declaration.\n\n```lab\ncluster infra {\n  id = = 1      # error: expected a value, found `=`\n}\n```\n\n\
Versions are strings (`\"1.18.3\"`); an unquoted `1.18.3` is a syntax error.",
    },
    Code {
        code: "E0102",
        title: "expression nested or chained too deeply",
        explanation: "Brackets (`(`, `[`, `{`) may nest at most 64 levels, and one expression may \
chain at most 32 operators (`a + b + ...`), field accesses (`a.b.c...`) or prefix operators. \
A key path (`a.b.c = 1`) may have at most 32 keys, `if` expressions may nest at most 32 levels \
inside one another, and one `if` (statement or expression) may have at most 64 `else if` \
branches. Real labs stay far below that; the limits keep the compiler from running out of \
stack or time on damaged input.\n\nSplit the value into named parameters, `for` loops or \
templates; a value chosen among many is a record lookup: `{ a = 1, b = 2 }[key]`.",
    },
    Code {
        code: "E0201",
        title: "unknown name",
        explanation: "A name does not refer to anything in scope: not a parameter, a `for` \
variable, a cluster, a pool, a component, a definition, or a builtin function.\n\nThe message \
suggests the closest existing name when there is one.\n\n```lab\ninstance shared-postgres = postgress on infra {}\n#                            ^^^^^^^^^ did you mean `postgres`?\n```",
    },
    Code {
        code: "E0202",
        title: "duplicate declaration",
        explanation: "Two declarations of the same kind have the same name. Clusters, pools \
and definitions must have unique names; components must have unique names on each cluster \
(they become Flux Kustomizations named after them).\n\nBoth places are shown. Rename one or \
remove it.",
    },
    Code {
        code: "E0203",
        title: "unknown module",
        explanation: "A `use` names a module that does not exist. Stdlib modules are named \
`std.<file>` (for example `use std.example`); lab modules are named after their path in the lab \
directory (`tenants/common.lab` is `tenants.common`).",
    },
    Code {
        code: "E0204",
        title: "definition not imported",
        explanation: "A definition (`operator`, `template` or `type`) is visible in its own \
module and in modules that `use` it. The name exists, but in a module this file does not use.\n\n\
```lab\nuse std.example\ninstall example on infra\n```",
    },
    Code {
        code: "E0205",
        title: "unknown field",
        explanation: "A field or argument is not part of what this declaration, record type, \
template or operator accepts. The message lists what it accepts or suggests the closest \
name.\n\nFields of open value trees (`values { ... }` and `resource` bodies) are not checked \
by labc: they belong to the chart or the CRD.",
    },
    Code {
        code: "E0206",
        title: "missing field or argument",
        explanation: "A required field, setting or template parameter has no value and no \
default. Give it a value in the declaration, or a default in the definition.",
    },
    Code {
        code: "E0207",
        title: "wrong kind of declaration",
        explanation: "A name refers to a declaration of the wrong kind, for example \
`install` of a template (templates are instantiated with `instance` or `include`), or an \
`instance` of an operator (operators are installed with `install`).",
    },
    Code {
        code: "E0208",
        title: "statement not allowed here",
        explanation: "This statement has no meaning in this declaration: for example `crds` \
in a tenant, or `settings` in a template (templates take parameters). The message says \
which declarations accept it.",
    },
    Code {
        code: "E0209",
        title: "reference not allowed here",
        explanation: "The `lab`, `cluster` and `pool` declarations hold plain values: they may \
read `lab` (clusters and pools), but not clusters, pools or components, which in turn read \
them. Components (tenants, instances, installs) and the bodies of operators and templates \
may refer to anything.",
    },
    Code {
        code: "E0210",
        title: "ambiguous type name",
        explanation: "A type is written with a name that is both an operator or template \
(a component type) and a capability kind named by some `provides`. labc cannot tell whether \
a component reference or a provided value is meant. Rename the operator or template.\n\n\
```lab\ntemplate gateway(...) { provides gateway gateway_name ... }\ntemplate route(gateway: gateway) { ... }   # E0210\n```",
    },
    Code {
        code: "E0301",
        title: "type mismatch",
        explanation: "A value has a different type from the one expected by the field, \
parameter or operator. Both the value and the declaration of the expected type are shown.\n\n\
```lab\ntemplate postgres(instances: int = 3, storage: quantity) { ... }\ninstance db = postgres on infra { storage = 3 }   # expected quantity, found int\n```",
    },
    Code {
        code: "E0302",
        title: "invalid literal",
        explanation: "A literal cannot be read as the type expected where it is written: an \
IP address with an octet above 255, a CIDR with host bits set, a quantity with an unknown \
suffix, a duration with units out of order, a version that is not semantic, a URL without a \
scheme, a port or ASN out of range.\n\nLiterals are checked as they are interpreted: `500m` \
is half a core where a `cpu` is expected, `10m` is ten minutes where a `duration` is \
expected, and `2Gi` is 2 GiB where a `quantity` is expected.",
    },
    Code {
        code: "E0303",
        title: "unit mismatch",
        explanation: "Arithmetic or comparison mixes values of different units: a quantity \
and a duration, CPU and memory, an int and a quantity in an addition.\n\nA percentage scales \
a quantity: `90% of memory_limit`, or `memory_limit * 90%`.",
    },
    Code {
        code: "E0304",
        title: "plaintext secret",
        explanation: "A secret must be a reference into a secret store, never a value in a \
`.lab` file (the lab is committed to git). Parameters of type `secret` take \
`secret(\"path/in/store\")`; in open value trees, keys that name credentials (`password`, \
`token`, `apiKey`, `secretKey`, ...) may not hold string literals.\n\nStore the value in the \
secret store (for example a password manager) and refer to it by path.",
    },
    Code {
        code: "E0305",
        title: "invalid Kubernetes name",
        explanation: "Kubernetes object names are DNS-1123 labels (at most 63 characters of \
`a-z`, `0-9` and `-`, starting and ending with a letter or digit) or, for some kinds, \
subdomains (at most 253 characters, labels joined by dots). The message says which rule is \
broken and suggests a valid name when it can.",
    },
    Code {
        code: "E0306",
        title: "arithmetic error",
        explanation: "Division by zero or an overflow while evaluating an expression.",
    },
    Code {
        code: "E0307",
        title: "evaluation limit",
        explanation: "Evaluation always terminates: there is no recursion, and `for` loops \
run over finite lists. As a guard against runaway templates, one component may produce at \
most 100000 values; split it if a real lab needs more.",
    },
    Code {
        code: "E0308",
        title: "requirement not met",
        explanation: "A template or operator states a rule with `require cond, \"message\"`, \
and the values given to it break the rule. The message is the author's; the diagnostic \
also points at the `include` or declaration that supplied the values.\n\n```lab\n# in \
a database template: its owner must be a role the server manages\nrequire \
contains(server.roles, owner), \"...\"\n```",
    },
    Code {
        code: "E0401",
        title: "reference to a component on another cluster",
        explanation: "A component refers to a component that runs on a different cluster. \
Flux cannot order resources across clusters, and a Service on another cluster is not \
reachable by its cluster-local name.\n\nIf both clusters are in the same mesh (`mesh = \
\"...\"` on both clusters), write the reference as `name via mesh`: the consumer then reaches \
the service through the mesh and gets no `dependsOn` on it.",
    },
    Code {
        code: "E0402",
        title: "capability not provided on this cluster",
        explanation: "A value of a capability type (a storage class, a secret store, a \
cluster issuer, a gateway class, ...) names something that no component on this cluster \
provides. The message lists the clusters where it is provided and suggests close names.\n\n\
Install the operator that provides it on this cluster, or use a capability that this \
cluster has.",
    },
    Code {
        code: "E0403",
        title: "custom resource without its CRD",
        explanation: "A resource's kind is neither a core Kubernetes kind nor a kind whose \
CRD is installed on this cluster (by an installed operator's `crds`, or by the cluster's \
bootstrap `crds`). Flux would fail to apply it.\n\nInstall the operator that owns the CRD on \
this cluster.",
    },
    Code {
        code: "E0404",
        title: "overlapping address ranges",
        explanation: "Two address pools overlap, or a pool overlaps a pod or service CIDR. \
Pools are checked across all clusters, since the clusters of a lab usually share one L2 \
network: two clusters handing out the same LoadBalancer address is an outage.",
    },
    Code {
        code: "E0405",
        title: "address outside its pool",
        explanation: "An address that must come from one of the cluster's LoadBalancer pools \
(`lb_address(...)` in a template or operator) lies outside every pool of that cluster.",
    },
    Code {
        code: "E0406",
        title: "mesh conflict",
        explanation: "Clusters in one mesh need distinct cluster ids and non-overlapping pod \
CIDRs; otherwise identities and routes collide.",
    },
    Code {
        code: "E0407",
        title: "dependency cycle",
        explanation: "The Flux Kustomizations derived from the lab's references form a cycle, \
so Flux would never reconcile any of them. The message prints the cycle; break it by \
removing one of the references.",
    },
    Code {
        code: "E0408",
        title: "duplicate object",
        explanation: "Two resources on one cluster have the same apiVersion group, kind, \
namespace and name. Flux would apply one over the other (or prune it).",
    },
    Code {
        code: "E0409",
        title: "address used twice",
        explanation: "The same address is requested twice on one cluster (two gateways, or a \
gateway and a mesh API server).",
    },
    Code {
        code: "E0410",
        title: "capacity exceeded",
        explanation: "Components consume a provider's capacity more than it has. A template or \
operator declares what it offers (`capacity connections = max_connections`), consumers declare \
what they take (`consumes connections of server = instances * pool_size`), and labc sums the \
consumers over the whole lab, across clusters, since a consumer may reach its provider `via \
mesh`.\n\nThe classic case is PgBouncer poolers whose server-side pools add up to more than \
the database's `max_connections`: every pooler works alone, and the database refuses \
connections under load.\n\nAlso reported when a component consumes a kind of capacity its \
provider does not declare.",
    },
    Code {
        code: "E0501",
        title: "conflicting values",
        explanation: "Two assignments conflict. In one value tree: one sets `a.b` to a scalar \
and another sets `a.b.c`, which needs `a.b` to be a map. Across components: two components \
in one namespace ask for different values of one label of its Namespace \
(`namespace_labels`); labc creates the Namespace once.",
    },
    Code {
        code: "E0502",
        title: "no lab declaration",
        explanation: "Every lab has exactly one `lab` declaration with its domain and git \
source; labc needs it to write the Flux sources and paths.\n\n```lab\nlab home {\n  domain = \"example.com\"\n  git    = \"https://github.com/me/home-ops\"\n  branch = \"main\"\n  path   = \"kubernetes\"\n}\n```",
    },
    Code {
        code: "E0503",
        title: "unknown manifest file",
        explanation: "`manifest \"path\"` names a YAML file of the lab directory, relative to the \
folder of the `.lab` file that includes it (`manifest \"files/dashboard.yaml\"`). No such \
`.yaml`/`.yml` file was found; the message suggests a close path when there is one.",
    },
    Code {
        code: "E0504",
        title: "invalid manifest",
        explanation: "A manifest included with `manifest` does not parse as YAML, or one of its \
documents is not a Kubernetes object with `apiVersion`, `kind` and a valid `metadata.name`. \
Hand-written manifests are an escape hatch, but they are still parsed, their names checked, \
and their kinds matched against the CRDs of the cluster like any other resource.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let mut prev = "";
        for c in CODES {
            assert!(c.code.len() == 5 && c.code.starts_with('E'), "{}", c.code);
            assert!(c.code[1..].chars().all(|ch| ch.is_ascii_digit()));
            assert!(c.code > prev, "{} out of order", c.code);
            assert!(!c.explanation.is_empty());
            prev = c.code;
        }
        assert!(lookup("e0101").is_some());
    }
}
