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

// The codes, one constant each: diagnostics name them as `codes::E0402`.
/// syntax error.
pub const E0101: &str = "E0101";
/// expression nested or chained too deeply.
pub const E0102: &str = "E0102";
/// unknown name.
pub const E0201: &str = "E0201";
/// duplicate declaration.
pub const E0202: &str = "E0202";
/// unknown module.
pub const E0203: &str = "E0203";
/// definition not imported.
pub const E0204: &str = "E0204";
/// unknown field.
pub const E0205: &str = "E0205";
/// missing field or argument.
pub const E0206: &str = "E0206";
/// wrong kind of declaration.
pub const E0207: &str = "E0207";
/// statement not allowed here.
pub const E0208: &str = "E0208";
/// reference not allowed here.
pub const E0209: &str = "E0209";
/// ambiguous type name.
pub const E0210: &str = "E0210";
/// type mismatch.
pub const E0301: &str = "E0301";
/// invalid literal.
pub const E0302: &str = "E0302";
/// unit mismatch.
pub const E0303: &str = "E0303";
/// plaintext secret.
pub const E0304: &str = "E0304";
/// invalid Kubernetes name.
pub const E0305: &str = "E0305";
/// arithmetic error.
pub const E0306: &str = "E0306";
/// evaluation limit.
pub const E0307: &str = "E0307";
/// requirement not met.
pub const E0308: &str = "E0308";
/// reference to a component on another cluster.
pub const E0401: &str = "E0401";
/// capability not provided on this cluster.
pub const E0402: &str = "E0402";
/// custom resource without its CRD.
pub const E0403: &str = "E0403";
/// overlapping address ranges.
pub const E0404: &str = "E0404";
/// address outside its pool.
pub const E0405: &str = "E0405";
/// mesh conflict.
pub const E0406: &str = "E0406";
/// dependency cycle.
pub const E0407: &str = "E0407";
/// duplicate object.
pub const E0408: &str = "E0408";
/// address used twice.
pub const E0409: &str = "E0409";
/// capacity exceeded.
pub const E0410: &str = "E0410";
/// conflicting values.
pub const E0501: &str = "E0501";
/// no lab declaration.
pub const E0502: &str = "E0502";
/// unknown manifest file.
pub const E0503: &str = "E0503";
/// invalid manifest.
pub const E0504: &str = "E0504";
/// invalid kind.
pub const E0505: &str = "E0505";
/// invalid API version.
pub const E0506: &str = "E0506";
/// kustomize configuration as a resource.
pub const E0507: &str = "E0507";
/// reserved component name.
pub const E0508: &str = "E0508";

/// The registry: every code with its title and explanation.
pub const CODES: &[Code] = &[
    Code {
        code: E0101,
        title: "syntax error",
        explanation: "The parser expected something else at this point. The message says what it \
expected and what it found.\n\nAfter a syntax error labc skips to the next line that starts with a \
declaration keyword (`cluster`, `tenant`, ...) and goes on, so one run shows the syntax errors of \
every declaration.\n\n```lab\ncluster infra {\n  id = = 1      # error: expected a value, found `=`\n}\n```\n\n\
Versions are strings (`\"1.18.3\"`); an unquoted `1.18.3` is a syntax error.",
    },
    Code {
        code: E0102,
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
        code: E0201,
        title: "unknown name",
        explanation: "A name does not refer to anything in scope: not a parameter, a `for` \
variable, a cluster, a pool, a component, a definition, or a builtin function.\n\nThe message \
suggests the closest existing name when there is one.\n\n```lab\ninstance shared-postgres = postgress on infra {}\n#                            ^^^^^^^^^ did you mean `postgres`?\n```",
    },
    Code {
        code: E0202,
        title: "duplicate declaration",
        explanation: "Two declarations of the same kind have the same name. Clusters, pools \
and definitions must have unique names; components must have unique names on each cluster \
(they become Flux Kustomizations named after them).\n\nBoth places are shown. Rename one or \
remove it.",
    },
    Code {
        code: E0203,
        title: "unknown module",
        explanation: "A `use` names a module that does not exist. Stdlib modules are named \
`std.<file>` (for example `use std.example`); lab modules are named after their path in the lab \
directory (`tenants/common.lab` is `tenants.common`).",
    },
    Code {
        code: E0204,
        title: "definition not imported",
        explanation: "A definition (`operator`, `template` or `type`) is visible in its own \
module and in modules that `use` it. The name exists, but in a module this file does not use.\n\n\
```lab\nuse std.example\ninstall example on infra\n```",
    },
    Code {
        code: E0205,
        title: "unknown field",
        explanation: "A field or argument is not part of what this declaration, record type, \
template or operator accepts. The message lists what it accepts or suggests the closest \
name.\n\nFields of open value trees (`values { ... }` and `resource` bodies) are not checked \
by labc: they belong to the chart or the CRD.",
    },
    Code {
        code: E0206,
        title: "missing field or argument",
        explanation: "A required field, setting or template parameter has no value and no \
default. Give it a value in the declaration, or a default in the definition.",
    },
    Code {
        code: E0207,
        title: "wrong kind of declaration",
        explanation: "A name refers to a declaration of the wrong kind, for example \
`install` of a template (templates are instantiated with `instance` or `include`), or an \
`instance` of an operator (operators are installed with `install`).",
    },
    Code {
        code: E0208,
        title: "statement not allowed here",
        explanation: "This statement has no meaning in this declaration: for example `crds` \
in a tenant, or `settings` in a template (templates take parameters). The message says \
which declarations accept it.",
    },
    Code {
        code: E0209,
        title: "reference not allowed here",
        explanation: "The `lab`, `cluster` and `pool` declarations hold plain values: they may \
read `lab` (clusters and pools), but not clusters, pools or components, which in turn read \
them. Components (tenants, instances, installs) and the bodies of operators and templates \
may refer to anything.",
    },
    Code {
        code: E0210,
        title: "ambiguous type name",
        explanation: "A type is written with a name that is both an operator or template \
(a component type) and a capability kind named by some `provides`. labc cannot tell whether \
a component reference or a provided value is meant. Rename the operator or template.\n\n\
```lab\ntemplate gateway(...) { provides gateway gateway_name ... }\ntemplate route(gateway: gateway) { ... }   # E0210\n```",
    },
    Code {
        code: E0301,
        title: "type mismatch",
        explanation: "A value has a different type from the one expected by the field, \
parameter or operator. Both the value and the declaration of the expected type are shown.\n\n\
```lab\ntemplate postgres(instances: int = 3, storage: quantity) { ... }\ninstance db = postgres on infra { storage = 3 }   # expected quantity, found int\n```",
    },
    Code {
        code: E0302,
        title: "invalid literal",
        explanation: "A literal cannot be read as the type expected where it is written: an \
IP address with an octet above 255, a CIDR with host bits set, a quantity with an unknown \
suffix, a duration with units out of order, a version that is not semantic, a URL without a \
scheme, a port or ASN out of range, a `lab.path` that is not a plain folder of the repository \
(`..`, `//`).\n\nLiterals are checked as they are interpreted: `500m` \
is half a core where a `cpu` is expected, `10m` is ten minutes where a `duration` is \
expected, and `2Gi` is 2 GiB where a `quantity` is expected.",
    },
    Code {
        code: E0303,
        title: "unit mismatch",
        explanation: "Arithmetic or comparison mixes values of different units: a quantity \
and a duration, CPU and memory, an int and a quantity in an addition.\n\nA percentage scales \
a quantity: `90% of memory_limit`, or `memory_limit * 90%`.",
    },
    Code {
        code: E0304,
        title: "plaintext secret",
        explanation: "A secret must be a reference into a secret store, never a value in a \
`.lab` file (the lab is committed to git). Parameters of type `secret` take \
`secret(\"path/in/store\")`, and a secret reference cannot be written into a manifest.\n\n\
The evaluated values of resource bodies, Helm values and manifests are checked wherever \
they come from (a literal, interpolation, `+`, `if`, `join`, a parameter, `lab.vars`): a \
value other than an empty string, a boolean or a template (`{{ .password }}`, `$(VAR)`) \
may not be in a Secret's `data`/`stringData`, under a key that names a credential \
(`password`, `adminPassword`, `DB_PASSWORD`, `apiToken`, `client-secret`, `accessKey`, \
`credentials`, `auth`, ...), in the `value` of a `{ name, value }` env entry whose name \
does, after a credential flag in `args`/`command` (`--password=...`), as the password \
of a URL (`https://user:pass@host`), on a credential line of a multi-line text (a \
configuration file: `password = ...`), or in a credential `name=value` pair of a one-line \
text (a URL query, a connection string, `PGPASSWORD=... psql`). Under a credential name, \
configuration words (`true`, `off`, `none`) and shell expansions (`$DB_PASSWORD`) are not \
secrets. Keys are matched by their words (`passport`, \
`tokenizer` are not credentials) and names of references are exempt (`secretName`, \
`existingSecret`, `secretKeyRef`, `passwordSecret`, `passwordKey`).\n\nStore the value \
in the secret store (for example a password manager), refer to it by path, and let a \
template create the Secret from it (an ExternalSecret); read it in pods with \
`valueFrom.secretKeyRef`.",
    },
    Code {
        code: E0305,
        title: "invalid Kubernetes name",
        explanation: "Kubernetes object names are DNS-1123 labels (at most 63 characters of \
`a-z`, `0-9` and `-`, starting and ending with a letter or digit) or, for some kinds, \
subdomains (at most 253 characters, labels joined by dots). The message says which rule is \
broken and suggests a valid name when it can.\n\nA component's name must be a DNS-1123 label \
too: it names the component's namespace (unless it sets `namespace`), its HelmRelease, its \
Flux Kustomization and its folder in the output.\n\n```lab\ntenant Web_App on infra { }   \
# error: did you mean `web-app`?\n```",
    },
    Code {
        code: E0306,
        title: "arithmetic error",
        explanation: "Division by zero or an overflow while evaluating an expression.",
    },
    Code {
        code: E0307,
        title: "evaluation limit",
        explanation: "Evaluation always terminates and stays small: there is no recursion, \
`for` loops run over finite lists, and templates include each other at most 16 levels \
deep. Two budgets guard against runaway templates. One component may evaluate at most \
100000 expressions. And it may build at most 32 MiB of values, counted as string bytes \
plus 160 per list element or record entry, every copy included (reading a variable copies \
its value). In a lab with many components, each gets an equal share of the lab's budgets \
(4000000 expressions and 256 MiB), and at least 10000 expressions and 2 MiB. A value that doubles at each step (`p1 = p0 + p0`, `xs + xs`, \
`\"${a}${a}\"`, `[x, x]`, a component's argument computed from another's twice) \
outgrows any budget after a few dozen steps. The error points at the expression that made \
the value too big, once; components that read a value cut this way are left out \
silently. Build the value once, or split the component.",
    },
    Code {
        code: E0308,
        title: "requirement not met",
        explanation: "A template or operator states a rule with `require cond, \"message\"`, \
and the values given to it break the rule. The message is the author's; the diagnostic \
also points at the `include` or declaration that supplied the values.\n\n```lab\n# in \
a database template: its owner must be a role the server manages\nrequire \
contains(server.roles, owner), \"...\"\n```",
    },
    Code {
        code: E0401,
        title: "reference to a component on another cluster",
        explanation: "A component refers to a component that runs on a different cluster. \
Flux cannot order resources across clusters, and a Service on another cluster is not \
reachable by its cluster-local name.\n\nIf both clusters are in the same mesh (`mesh = \
\"...\"` on both clusters), write the reference as `name via mesh`: the consumer then reaches \
the service through the mesh and gets no `dependsOn` on it.",
    },
    Code {
        code: E0402,
        title: "capability not provided on this cluster",
        explanation: "A value of a capability type (a storage class, a secret store, a \
cluster issuer, a gateway class, ...) names something that no component on this cluster \
provides. The message lists the clusters where it is provided and suggests close names.\n\n\
Install the operator that provides it on this cluster, or use a capability that this \
cluster has.",
    },
    Code {
        code: E0403,
        title: "custom resource without its CRD",
        explanation: "A resource's kind is neither a core Kubernetes kind nor a kind whose \
CRD is installed on this cluster (by an installed operator's `crds`, or by the cluster's \
bootstrap `crds`). Flux would fail to apply it.\n\nInstall the operator that owns the CRD on \
this cluster.",
    },
    Code {
        code: E0404,
        title: "overlapping address ranges",
        explanation: "Two address pools overlap, or a pool overlaps a pod or service CIDR. \
Pools are checked across all clusters, since the clusters of a lab usually share one L2 \
network: two clusters handing out the same LoadBalancer address is an outage.",
    },
    Code {
        code: E0405,
        title: "address outside its pool",
        explanation: "An address that must come from one of the cluster's LoadBalancer pools \
(`lb_address(...)` in a template or operator) lies outside every pool of that cluster.",
    },
    Code {
        code: E0406,
        title: "mesh conflict",
        explanation: "Clusters in one mesh need distinct cluster ids and non-overlapping pod \
CIDRs; otherwise identities and routes collide.",
    },
    Code {
        code: E0407,
        title: "dependency cycle",
        explanation: "The Flux Kustomizations derived from the lab's references form a cycle, \
so Flux would never reconcile any of them. The message prints the cycle; break it by \
removing one of the references.",
    },
    Code {
        code: E0408,
        title: "duplicate object",
        explanation: "Two resources on one cluster have the same apiVersion group, kind, \
namespace and name. Flux would apply one over the other (or prune it).\n\nThe objects labc \
generates count too: a component's Namespace, chart source, HelmRelease and Flux \
Kustomizations, and the bootstrap's `flux-system` GitRepository and Kustomization. Give a \
declared object another name.",
    },
    Code {
        code: E0409,
        title: "address used twice",
        explanation: "The same address is requested twice on one cluster (two gateways, or a \
gateway and a mesh API server).",
    },
    Code {
        code: E0410,
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
        code: E0501,
        title: "conflicting values",
        explanation: "Two assignments conflict. In one value tree: one sets `a.b` to a scalar \
and another sets `a.b.c`, which needs `a.b` to be a map. Across components: two components \
in one namespace ask for different values of one label of its Namespace \
(`namespace_labels`); labc creates the Namespace once.",
    },
    Code {
        code: E0502,
        title: "no lab declaration",
        explanation: "Every lab has exactly one `lab` declaration with its domain and git \
source; labc needs it to write the Flux sources and paths.\n\n```lab\nlab home {\n  domain = \"example.com\"\n  git    = \"https://github.com/me/home-ops\"\n  branch = \"main\"\n  path   = \"kubernetes\"\n}\n```",
    },
    Code {
        code: E0503,
        title: "unknown manifest file",
        explanation: "`manifest \"path\"` names a YAML file of the lab directory, relative to the \
folder of the `.lab` file that includes it (`manifest \"files/dashboard.yaml\"`). No such \
`.yaml`/`.yml` file was found; the message suggests a close path when there is one.",
    },
    Code {
        code: E0504,
        title: "invalid manifest",
        explanation: "A manifest included with `manifest` does not parse as YAML, or one of its \
documents is not a Kubernetes object with `apiVersion`, `kind` and `metadata.name`, or one \
of them, or `metadata.namespace`, is invalid: the kind must be an ASCII letter then letters \
and digits (it names the output file, as for `E0505`), the API version `group/version` or \
`version` (`E0506`), the name a DNS-1123 subdomain (for RBAC roles and role bindings, as \
in Kubernetes, any name without `/`, `%`, spaces or control characters: `system:...`), the \
namespace a DNS-1123 label. \
Hand-written manifests are an escape hatch, but they are still parsed, their names checked, \
and their kinds matched against the CRDs of the cluster like any other resource.",
    },
    Code {
        code: E0505,
        title: "invalid kind",
        explanation: "The kind of a `resource` is a Kubernetes kind: an ASCII letter, then ASCII \
letters and digits, at most 63 characters (`ConfigMap`, `HelmRelease`). labc writes the \
objects of one kind into one file named after it (`configmap.yaml`), so a kind with `-`, `_` \
or other characters is refused rather than turned into a file name.\n\n\
```lab\nresource \"v1\" Config-Map \"web\" {}   # error: `Config-Map` is not a valid kind\n```\n\n\
In a `manifest` file the same rule is reported as `E0504`.",
    },
    Code {
        code: E0506,
        title: "invalid API version",
        explanation: "The API version of a `resource` is `group/version` or, for the core group, \
`version` alone: the group a DNS-1123 subdomain (`networking.k8s.io`), the version a DNS-1123 \
label (`v1`, `v1beta1`).\n\n```lab\nresource \"apps/v1/\" Deployment \"web\" {}   # error: more than one `/`\n```\n\n\
In a `manifest` file the same rule is reported as `E0504`.",
    },
    Code {
        code: E0507,
        title: "kustomize configuration as a resource",
        explanation: "Kinds of `kustomize.config.k8s.io` (`Kustomization`, `Component`) are build \
instructions for kustomize, not Kubernetes objects. labc writes the `kustomization.yaml` of \
every folder it emits itself, so one declared as a `resource` or in a `manifest` would \
replace it or break the build.\n\nDeclare the objects themselves; a Flux `Kustomization` \
(`kustomize.toolkit.fluxcd.io`) is an object and is allowed, written to \
`kustomization.kustomize.toolkit.fluxcd.io.yaml`.",
    },
    Code {
        code: E0508,
        title: "reserved component name",
        explanation: "A component's name is the name of its folder under `clusters/<cluster>/` \
and of its Flux Kustomization. `flux-system` is Flux's own bootstrap there, which labc \
writes, so no component may take it. A component may not be named `<other>-config` either \
when `<other>` has a config Kustomization (its own custom resources, applied after its \
release), which has that name.\n\nChoose another name.",
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
