//! `labc import FLUX-DIR`: the fixture repository (tests/import/flux-repo: two clusters,
//! settings ConfigMaps with `${VAR}` substitution, a shared kustomize component, a
//! HelmRelease from an OCIRepository and one from a HelmRepository, a plain Deployment
//! and Service, an ExternalSecret, dependsOn) round-trips: importing it and building the
//! lab with labc's own pipeline gives back its objects, compared as data by `objdiff`.
//! And a malformed repository is reported, never a panic.

use std::path::Path;

use indexmap::IndexMap;
use labc::flux_import::{import, render, NoteKind, Repo};
use serde_yaml::Value;

fn fixture() -> Repo {
    fixture_named("flux-repo")
}

/// The repository `tests/import/<name>`.
fn fixture_named(name: &str) -> Repo {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import")
        .join(name);
    let mut repo = Repo::new();
    for e in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            repo.insert(rel, std::fs::read_to_string(e.path()).unwrap());
        }
    }
    repo.sort_keys();
    repo
}

fn s<'v>(v: &'v Value, path: &[&str]) -> &'v str {
    let mut at = v;
    for p in path {
        match at.get(*p) {
            Some(n) => at = n,
            None => return "",
        }
    }
    at.as_str().unwrap_or_default()
}

/// A chart source's identity, as the HelmRelease that names it sees it.
fn resolved_chart(release: &Value, objects: &[Value]) -> Value {
    let ns = s(release, &["metadata", "namespace"]);
    let find = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| {
                s(o, &["kind"]) == kind
                    && s(o, &["metadata", "name"]) == name
                    && s(o, &["metadata", "namespace"]) == ns
            })
            .cloned()
            .unwrap_or(Value::Null)
    };
    let spec = &release["spec"];
    let mut out = serde_yaml::Mapping::new();
    let (source, chart, version) = if spec.get("chartRef").is_some() {
        let kind = s(spec, &["chartRef", "kind"]);
        let src = find(kind, s(spec, &["chartRef", "name"]));
        if kind == "HelmChart" {
            let repo = find("HelmRepository", s(&src, &["spec", "sourceRef", "name"]));
            (
                repo,
                s(&src, &["spec", "chart"]).to_string(),
                s(&src, &["spec", "version"]).to_string(),
            )
        } else {
            let tag = s(&src, &["spec", "ref", "tag"]).to_string();
            (src, String::new(), tag)
        }
    } else {
        let c = &spec["chart"]["spec"];
        let repo = find(s(c, &["sourceRef", "kind"]), s(c, &["sourceRef", "name"]));
        (
            repo,
            s(c, &["chart"]).to_string(),
            s(c, &["version"]).to_string(),
        )
    };
    out.insert("url".into(), s(&source, &["spec", "url"]).into());
    out.insert("chart".into(), chart.into());
    out.insert("version".into(), version.into());
    Value::Mapping(out)
}

/// What labc writes on top by design, taken out of both sides (each named):
/// - its own Flux Kustomizations (`ks.yaml`, `namespace-<ns>`, flux-system) and GitRepository:
///   the repository's are its structure, not objects of the lab;
/// - chart sources: labc writes one per chart, named after its component; a HelmRelease's
///   `chart`/`chartRef` is compared as the URL, chart and version it resolves to;
/// - the Namespace prune marker labc adds to the namespaces it writes;
/// - the settings ConfigMaps, which became `cluster.vars`.
///
/// Everything else must be equal. (labc's other defaults, the install and upgrade
/// remediation and `crds: CreateReplace` for a chart that ships CRDs, are what the
/// fixture states, so they compare equal instead of being taken out.) Namespaces are
/// grouped in one folder (labc gives each a Kustomization of its own); every other object
/// stays in its component's folder.
fn tree(per_component: &[(String, String, Vec<Value>)]) -> IndexMap<String, String> {
    let mut files: IndexMap<String, String> = IndexMap::new();
    let mut clusters: Vec<&String> = per_component.iter().map(|(c, _, _)| c).collect();
    clusters.dedup();
    for cluster in clusters {
        let all: Vec<Value> = per_component
            .iter()
            .filter(|(c, _, _)| c == cluster)
            .flat_map(|(_, _, o)| o.clone())
            .collect();
        for (c, component, objects) in per_component.iter().filter(|(c, _, _)| c == cluster) {
            for o in objects {
                let kind = s(o, &["kind"]);
                let api = s(o, &["apiVersion"]);
                let flux_own = (kind == "Kustomization"
                    && api.starts_with("kustomize.toolkit.fluxcd.io/"))
                    || (kind == "GitRepository" && s(o, &["metadata", "name"]) == "flux-system");
                let source = matches!(kind, "OCIRepository" | "HelmRepository" | "HelmChart");
                let settings =
                    kind == "ConfigMap" && s(o, &["metadata", "name"]) == "cluster-settings";
                if flux_own || source || settings || api.starts_with("kustomize.config.k8s.io/") {
                    continue;
                }
                let mut o = o.clone();
                if kind == "HelmRelease" {
                    let chart = resolved_chart(&o, &all);
                    let spec = o["spec"].as_mapping_mut().unwrap();
                    spec.remove("chart");
                    spec.remove("chartRef");
                    spec.insert("chart".into(), chart);
                }
                let folder = if kind == "Namespace" {
                    if let Some(a) = o["metadata"]
                        .get_mut("annotations")
                        .and_then(Value::as_mapping_mut)
                    {
                        a.remove("kustomize.toolkit.fluxcd.io/prune");
                        if a.is_empty() {
                            o["metadata"]
                                .as_mapping_mut()
                                .unwrap()
                                .remove("annotations");
                        }
                    }
                    "namespaces"
                } else {
                    component.as_str()
                };
                let doc = format!("---\n{}", serde_yaml::to_string(&o).unwrap());
                let file = files
                    .entry(format!("clusters/{c}/{folder}/objects.yaml"))
                    .or_default();
                // Two Kustomizations applying one object alike: one object on the cluster.
                if !file.contains(&doc) {
                    file.push_str(&doc);
                }
            }
        }
    }
    files
}

/// The labc output's objects per (cluster, component folder).
fn built_objects(files: &labc::compile::Files) -> Vec<(String, String, Vec<Value>)> {
    let mut out: Vec<(String, String, Vec<Value>)> = Vec::new();
    for (path, text) in files {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 3 || parts[0] != "clusters" || !path.ends_with(".yaml") {
            continue;
        }
        let (cluster, component) = (
            parts[1].to_string(),
            if parts.len() == 3 { "" } else { parts[2] }.to_string(),
        );
        let docs: Vec<Value> = serde_yaml::Deserializer::from_str(text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .filter(|v: &Value| !v.is_null())
            .collect();
        match out
            .iter_mut()
            .find(|(c, k, _)| *c == cluster && *k == component)
        {
            Some((_, _, o)) => o.extend(docs),
            None => out.push((cluster, component, docs)),
        }
    }
    out
}

/// Import, build with labc (no diagnostic allowed), compare the objects; the compared tree.
fn assert_round_trip(repo: &Repo) -> IndexMap<String, String> {
    let imported = import(repo);
    assert!(!imported.has_errors(), "{}", imported.report_text());
    let db = labc::db::LabDb::default();
    let lab = db.load(imported.files.clone().into_iter().collect());
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let shown = labc::diag::render_plain(&db, &diags);
    assert!(
        diags.is_empty(),
        "the imported lab does not build:\n{shown}\n{:#?}",
        imported.files
    );
    let rendered = render(repo);
    let expected: Vec<(String, String, Vec<Value>)> = rendered
        .clusters
        .iter()
        .flat_map(|c| {
            c.kustomizations.iter().map(|k| {
                (
                    c.name.clone(),
                    k.name.clone(),
                    k.objects.iter().map(|d| d.value.clone()).collect(),
                )
            })
        })
        .collect();
    let want = tree(&expected);
    let got = tree(&built_objects(&out.files));
    let diff = labc::objdiff::diff(&want, &got);
    assert!(
        diff.is_empty(),
        "objects differ:\n{}",
        labc::objdiff::render_text(&diff)
    );
    want
}

fn the_fixture_round_trips() {
    let want = assert_round_trip(&fixture());
    // Not vacuous: both clusters, every kind of the fixture.
    let text: String = want.values().cloned().collect();
    for needle in [
        "kind: HelmRelease",
        "kind: ExternalSecret",
        "kind: Deployment",
        "kind: Service",
        "kind: Namespace",
        "replicas: 2",
        "replicas: 1",
        "podinfo.lab.example.com",
    ] {
        assert!(
            text.contains(needle),
            "the fixture's objects lack `{needle}`"
        );
    }
    assert!(
        want.keys().any(|k| k.starts_with("clusters/lab/"))
            && want.keys().any(|k| k.starts_with("clusters/home/"))
    );
}

/// The home-ops shape: `kubernetes/flux/cluster/ks.yaml` as the entry, whose patch gives
/// every child Kustomization its `substituteFrom`, and `kubernetes/apps/<ns>/<app>/`.
fn a_home_ops_layout_round_trips() {
    let mut repo = Repo::new();
    let files = [
        ("kubernetes/flux/cluster/ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cluster-apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./kubernetes/apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: not-used\n        spec:\n          postBuild:\n            substituteFrom:\n              - kind: ConfigMap\n                name: cluster-settings\n      target:\n        group: kustomize.toolkit.fluxcd.io\n        kind: Kustomization\n"),
        ("kubernetes/flux/cluster/cluster-settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  SECRET_DOMAIN: home.example.org\n"),
        ("kubernetes/apps/media/kustomization.yaml", "resources:\n  - ./namespace.yaml\n  - ./echo/ks.yaml\n"),
        ("kubernetes/apps/media/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n"),
        ("kubernetes/apps/media/echo/ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: echo\n  namespace: flux-system\nspec:\n  targetNamespace: media\n  path: ./kubernetes/apps/media/echo/app\n  postBuild:\n    substitute:\n      APP: echo\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"),
        ("kubernetes/apps/media/echo/app/kustomization.yaml", "resources:\n  - configmap.yaml\n"),
        ("kubernetes/apps/media/echo/app/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${APP}\ndata:\n  host: ${APP}.${SECRET_DOMAIN}\n"),
    ];
    for (path, text) in files {
        repo.insert(path.into(), text.into());
    }
    let want = assert_round_trip(&repo);
    let text: String = want.values().cloned().collect();
    assert!(text.contains("host: echo.home.example.org"), "{text}");
    // A second app in the namespace, declaring the Namespace too, and a Kustomization
    // named like the first in another namespace: one declaration, two component names.
    let mut two = repo.clone();
    let k = "resources:\n  - ./namespace.yaml\n  - ./settings.yaml\n  - ./echo/ks.yaml\n  - ./echo2/ks.yaml\n";
    two.insert("kubernetes/apps/media/kustomization.yaml".into(), k.into());
    // Its substituteFrom is read in its own namespace, as Flux does.
    let settings = repo["kubernetes/flux/cluster/cluster-settings.yaml"]
        .replace("namespace: flux-system", "namespace: media");
    two.insert("kubernetes/apps/media/settings.yaml".into(), settings);
    let ks2 = repo["kubernetes/apps/media/echo/ks.yaml"]
        .replace("namespace: flux-system", "namespace: media")
        .replace("echo/app", "echo2/app");
    two.insert(
        "kubernetes/apps/media/echo2/ks.yaml".into(),
        ks2.replace("name: echo\n", "name: echo2\n"),
    );
    two.insert(
        "kubernetes/apps/media/echo2/app/kustomization.yaml".into(),
        "resources:\n  - ../../namespace.yaml\n  - cm.yaml\n".into(),
    );
    two.insert(
        "kubernetes/apps/media/echo2/app/cm.yaml".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo2\n".into(),
    );
    assert_round_trip(&two);
    assert_eq!(
        import(&two).files["lab.lab"]
            .matches("namespace media on main")
            .count(),
        1
    );
    // Named like the first app: a component name of its own, and the lab still builds.
    two.insert("kubernetes/apps/media/echo2/ks.yaml".into(), ks2);
    let imported = import(&two);
    assert!(
        imported.files.contains_key("components/echo-media.lab"),
        "{:?}",
        imported.files.keys()
    );
    let db = labc::db::LabDb::default();
    let lab = db.load(imported.files.clone().into_iter().collect());
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(
        diags.is_empty(),
        "{}",
        labc::diag::render_plain(&db, &diags)
    );
    let imported = import(&repo);
    let echo = &imported.files["components/echo.lab"];
    assert!(echo.contains("tenant echo on main"), "{echo}");
    assert!(
        echo.contains("\"echo.${cluster.vars.SECRET_DOMAIN}\""),
        "{echo}"
    );
    assert!(imported.files["lab.lab"].contains("namespace media on main"));
}

/// `text` with every run of white space one space, so a test does not depend on the
/// formatter's alignment.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The shape of the seed's repository (tests/import/nested-repo): clusters under
/// `kubernetes/clusters/<name>/`, the bootstrap's sync Kustomization renamed beside the
/// `flux-system` GitRepository, settings with a CIDR written as a JSON list next to a
/// plain one, the API host as `K8S_SERVICE_HOST`, and BGP numbers. It round-trips, and
/// the cluster's typed fields come from the settings.
fn a_renamed_sync_below_kubernetes_round_trips() {
    let repo = fixture_named("nested-repo");
    let want = assert_round_trip(&repo);
    assert!(
        want.keys().any(|k| k.starts_with("clusters/alpha/")),
        "{:?}",
        want.keys()
    );
    // Kustomize's transformers and generator were applied (and the lab gives them back).
    let text: String = want.values().cloned().collect();
    for needle in [
        "team: platform",
        "owner: ops@example.org",
        "MODE: readonly",
        "Board of alpha",
    ] {
        assert!(text.contains(needle), "lacks `{needle}`: {text}");
    }
    let selector = text
        .find("selector:")
        .map(|i| &text[i..])
        .unwrap_or_default();
    assert!(
        selector
            .lines()
            .take(3)
            .any(|l| l.contains("app.kubernetes.io/part-of: board")),
        "{text}"
    );
    let imported = import(&repo);
    let notes = imported.report_text();
    assert!(!notes.contains("cycle"), "{notes}");
    assert!(!notes.contains("reached from no cluster"), "{notes}");
    // A Kustomization no cluster reaches is named in the report.
    let mut extra = repo.clone();
    let ks = repo["kubernetes/infrastructure/echo/ks.yaml"].replace("name: echo", "name: orphan");
    extra.insert("kubernetes/orphan/ks.yaml".into(), ks);
    assert!(
        import(&extra)
            .report_text()
            .contains("`orphan` is reached from no cluster entry point"),
        "{}",
        import(&extra).report_text()
    );
    let lab = flat(&imported.files["lab.lab"]);
    for needle in [
        "cluster alpha {",
        "api = \"alpha-k8s.example.org\"",
        "pods = 10.61.0.0/16",
        "services = 10.62.0.0/16",
        "asn = 64620",
        "peer = 10.60.0.1",
        "peer_asn = 64600",
        "branch = \"trunk\"",
        "domain = \"example.org\"",
    ] {
        assert!(lab.contains(needle), "lacks `{needle}`: {lab}");
    }
}

/// A HelmRelease of a stdlib operator's chart becomes an install of it: the settings its
/// values give (defaults left out), the value no setting covers as `values`, and the
/// built objects are the repository's (the round trip above). A value that contradicts
/// what a setting writes keeps the generic chart, and the lab still round-trips.
/// (A value written from a setting through an expression, `enableHA = replicas > 1`, is
/// the values' to change: it stays an install.)
fn a_stdlib_chart_becomes_an_install() {
    let repo = fixture_named("nested-repo");
    let imported = import(&repo);
    let reloader = &imported.files["components/reloader.lab"];
    assert!(reloader.starts_with("use std.reloader"), "{reloader}");
    let text = flat(reloader);
    for needle in [
        "install reloader on alpha {",
        "replicas = 1",
        "cpu_request = 20m",
        "memory_limit = 128Mi",
        "logFormat = \"json\"",
    ] {
        assert!(text.contains(needle), "lacks `{needle}`: {reloader}");
    }
    assert!(
        !text.contains("memory_request") && !text.contains("chart ="),
        "{reloader}"
    );
    let echo = flat(&imported.files["components/echo.lab"]);
    assert!(
        echo.contains("tenant echo on alpha") && echo.contains("chart = oci("),
        "{echo}"
    );
    assert!(
        imported
            .report_text()
            .contains("install of stdlib `reloader`"),
        "{}",
        imported.report_text()
    );

    let mut odd = repo.clone();
    let path = "kubernetes/infrastructure/reloader/app/helmrelease.yaml";
    // A number as text where `replicas` is an int: the setting keeps its default, 2,
    // and the values cannot change what it writes (E0211).
    let release = odd[path].replace("replicas: 1", "replicas: \"1\"");
    odd.insert(path.into(), release);
    let imported = import(&odd);
    let reloader = flat(&imported.files["components/reloader.lab"]);
    assert!(reloader.contains("tenant reloader on alpha"), "{reloader}");
    assert!(
        imported.report_text().contains("kept as a generic chart"),
        "{}",
        imported.report_text()
    );
    assert_round_trip(&odd);
}

/// The lab says what it should: one body with settings references for both clusters, a
/// literal where a substituted value changed type, `depends_on` only where labc derives nothing.
fn the_lab_keeps_references_and_explicit_order() {
    let imported = import(&fixture());
    let podinfo = &imported.files["components/podinfo.lab"];
    assert!(
        podinfo.contains("instance podinfo = podinfo on home, lab"),
        "{podinfo}"
    );
    assert!(
        podinfo.contains("${cluster.vars.CLUSTER_NAME}.${cluster.vars.SECRET_DOMAIN}"),
        "{podinfo}"
    );
    assert!(
        !podinfo.contains("depends_on"),
        "derived from the CRD: {podinfo}"
    );
    let web = &imported.files["components/web.lab"];
    assert!(
        web.contains("depends_on") && web.contains("[podinfo]"),
        "{web}"
    );
    assert!(
        web.contains("replicas = 2") && web.contains("replicas = 1"),
        "{web}"
    );
    let lab = &imported.files["lab.lab"];
    assert!(
        lab.contains("pods     = 10.52.0.0/16") || lab.contains("pods = 10.52.0.0/16"),
        "{lab}"
    );
    let json: serde_json::Value = serde_json::from_str(&imported.report_json()).unwrap();
    assert!(json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "mapped"));
    // A dependsOn on a Kustomization that only declares others (`apps`) is left out, not
    // an error.
    let mut repo = fixture();
    let ks = repo["apps/base/web/ks.yaml"].replace(
        "    - name: podinfo\n",
        "    - name: podinfo\n    - name: apps\n",
    );
    repo.insert("apps/base/web/ks.yaml".into(), ks);
    let imported = import(&repo);
    assert!(!imported.has_errors(), "{}", imported.report_text());
    assert!(
        imported.report_text().contains("dependsOn `apps` left out"),
        "{}",
        imported.report_text()
    );
}

fn notes_of(repo: &Repo) -> Vec<(NoteKind, String, String)> {
    import(repo)
        .notes
        .into_iter()
        .map(|n| (n.kind, n.subject, n.detail))
        .collect()
}

fn has_error(notes: &[(NoteKind, String, String)], words: &str) -> bool {
    notes
        .iter()
        .any(|(k, _, d)| *k == NoteKind::Error && d.contains(words))
}

fn a_malformed_repository_is_reported() {
    let mut repo = fixture();
    repo.insert(
        "apps/base/web/app/service.yaml".into(),
        "kind: [Service\n  : : -".into(),
    );
    assert!(has_error(&notes_of(&repo), "does not parse"));

    let mut repo = fixture();
    let ks = repo["apps/base/web/ks.yaml"].replace("./apps/base/web/app", "./apps/base/nowhere");
    repo.insert("apps/base/web/ks.yaml".into(), ks);
    assert!(has_error(&notes_of(&repo), "names no directory"));

    let mut repo = fixture();
    let ks = repo["apps/base/web/ks.yaml"].replace("./apps/base/web/app", "../../outside");
    repo.insert("apps/base/web/ks.yaml".into(), ks);
    assert!(has_error(&notes_of(&repo), "outside the repository"));

    let mut repo = fixture();
    let k = "resources:\n  - ../../../../clusters\n";
    repo.insert("apps/base/web/app/kustomization.yaml".into(), k.into());
    let notes = notes_of(&repo);
    assert!(
        notes
            .iter()
            .any(|(_, _, d)| d.contains("cycle") || d.contains("twice")),
        "{notes:#?}"
    );

    // One object twice in a build (the seed's coredns: its OCIRepository in two files):
    // kustomize refuses it, so it is an error, and the first is kept.
    let mut repo = fixture();
    let service = repo["apps/base/web/app/service.yaml"].clone();
    repo.insert("apps/base/web/app/service-again.yaml".into(), service);
    let k = repo["apps/base/web/app/kustomization.yaml"].replace(
        "  - service.yaml",
        "  - service.yaml\n  - service-again.yaml",
    );
    repo.insert("apps/base/web/app/kustomization.yaml".into(), k);
    let notes = notes_of(&repo);
    assert!(has_error(&notes, "twice in one build"), "{notes:#?}");
    let web = &import(&repo).files["components/web.lab"];
    let before = &import(&fixture()).files["components/web.lab"];
    let services = |t: &str| t.matches("Service \"web\"").count();
    assert_eq!(services(web), services(before), "{web}");

    let mut repo = fixture();
    let secret =
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: hunter2\n";
    repo.insert("apps/base/web/app/secret.yaml".into(), secret.into());
    let k = repo["apps/base/web/app/kustomization.yaml"]
        .replace("  - service.yaml", "  - service.yaml\n  - secret.yaml");
    repo.insert("apps/base/web/app/kustomization.yaml".into(), k);
    let imported = import(&repo);
    assert!(imported.has_errors());
    assert!(
        imported.files.values().all(|t| !t.contains("hunter2")),
        "a plaintext secret was imported"
    );

    // A SOPS-encrypted Secret is a reference the report names: skipped, not an error.
    let sops = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: ENC[AES256_GCM,data:abc=]\nsops:\n  version: 3.9.0\n";
    repo.insert("apps/base/web/app/secret.yaml".into(), sops.into());
    let imported = import(&repo);
    assert!(!imported.has_errors(), "{}", imported.report_text());
    assert!(imported
        .report_text()
        .contains("SOPS-encrypted Secret `token`"));
    assert!(
        imported.files.values().all(|t| !t.contains("ENC[")),
        "a SOPS secret was imported"
    );
}

/// Two Kustomizations whose paths declare each other: a cycle, built once each.
fn a_kustomization_cycle_is_reported() {
    let mut repo = fixture();
    let ks = |name: &str, path: &str| {
        format!("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n")
    };
    repo.insert("loop/a/ks.yaml".into(), ks("loop-b", "./loop/b"));
    repo.insert("loop/b/ks.yaml".into(), ks("loop-a", "./loop/a"));
    repo.insert("clusters/home/loop.yaml".into(), ks("loop-a", "./loop/a"));
    let notes = notes_of(&repo);
    assert!(has_error(&notes, "Flux Kustomization cycle"), "{notes:#?}");
}

/// A Flux Kustomization's own `spec.components` and `spec.patches` are part of its build:
/// moved there from the app's kustomization, the lab is the same.
fn flux_components_and_patches_are_built() {
    let repo = fixture();
    let mut moved = repo.clone();
    let app = "apps/base/web/app/kustomization.yaml";
    let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - service.yaml\n";
    moved.insert(app.into(), k.into());
    let extra = "  components:\n    - ../../../../components/common\n  patches:\n    - target:\n        kind: Deployment\n        name: web\n      patch: |\n        - op: add\n          path: /spec/template/metadata/labels/tier\n          value: frontend\n";
    let ks = repo["apps/base/web/ks.yaml"]
        .replace("  prune: true\n", &format!("  prune: true\n{extra}"));
    moved.insert("apps/base/web/ks.yaml".into(), ks);
    let (a, b) = (import(&repo), import(&moved));
    assert_eq!(
        a.files["components/web.lab"],
        b.files["components/web.lab"],
        "{}",
        b.report_text()
    );
    assert_eq!(a.files["lab.lab"], b.files["lab.lab"]);
}

/// Directories that each include the next one twice, thirty deep: 2^30 builds without a
/// budget. The import stops with a note instead of hanging.
fn a_build_that_doubles_at_each_level_is_stopped() {
    let mut repo = fixture();
    for level in 0..30 {
        let k = format!(
            "resources:\n  - ../l{next}\n  - ../l{next}/\n",
            next = level + 1
        );
        repo.insert(format!("bomb/l{level}/kustomization.yaml"), k);
    }
    repo.insert(
        "bomb/l30/cm.yaml".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n".into(),
    );
    let ks = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: bomb\n  namespace: flux-system\nspec:\n  path: ./bomb/l0\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";
    repo.insert("clusters/home/bomb.yaml".into(), ks.into());
    let notes = notes_of(&repo);
    assert!(
        has_error(&notes, "grows without end"),
        "{:#?}",
        notes
            .iter()
            .filter(|n| n.0 == NoteKind::Error)
            .collect::<Vec<_>>()
    );
}

/// Every fixture file cut short at a few places: never a panic, whatever the import says.
fn truncated_files_never_panic() {
    let repo = fixture();
    for (path, text) in &repo {
        for cut in [
            1,
            text.len() / 3,
            text.len() / 2,
            text.len().saturating_sub(2),
        ] {
            let mut cut = cut.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut broken = repo.clone();
            broken.insert(path.clone(), text[..cut].to_string());
            let _ = import(&broken);
        }
    }
    let _ = import(&Repo::new());
}

fn labc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .output()
        .unwrap()
}

/// The CLI writes the lab, refuses an existing LAB-DIR without `--force`, and
/// `labc import crd` is still a subcommand.
fn the_cli_writes_a_lab_and_keeps_import_crd() {
    let tmp = std::env::temp_dir().join(format!("labc-import-flux-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import/flux-repo");
    let out = tmp.join("lab");
    let (r, o) = (repo.to_str().unwrap(), out.to_str().unwrap());
    let first = labc(&["import", r, "--out", o]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("mapped"));
    assert!(out.join("lab.lab").is_file() && out.join("components/web.lab").is_file());
    std::fs::write(out.join("mine.lab"), "# the user's\n").unwrap();
    let again = labc(&["import", r, "--out", o]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        out.join("mine.lab").is_file(),
        "overwrote the user's lab without --force"
    );
    let forced = labc(&["import", r, "--out", o, "--force", "--json"]);
    assert_eq!(forced.status.code(), Some(0));
    assert!(!out.join("mine.lab").exists());
    serde_json::from_slice::<serde_json::Value>(&forced.stdout).expect("--json prints JSON");
    let crd = labc(&["import", "crd", "--help"]);
    assert_eq!(crd.status.code(), Some(0));
    let built = labc(&["build", o, "--out", tmp.join("out").to_str().unwrap()]);
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

tests!(
    the_fixture_round_trips,
    a_home_ops_layout_round_trips,
    a_renamed_sync_below_kubernetes_round_trips,
    a_stdlib_chart_becomes_an_install,
    the_lab_keeps_references_and_explicit_order,
    a_malformed_repository_is_reported,
    a_kustomization_cycle_is_reported,
    flux_components_and_patches_are_built,
    a_build_that_doubles_at_each_level_is_stopped,
    truncated_files_never_panic,
    the_cli_writes_a_lab_and_keeps_import_crd,
);
