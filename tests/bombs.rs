//! Resource bombs: small labs whose values double at every step (strings, lists, records,
//! interpolation, `join`, components reading each other, many components sharing one
//! template). Each stops with exactly one E0307 at the expression that made the value too
//! big, and nothing else. Budgets are asserted by diagnostics, not by time (the speed and
//! memory of these labs in a release build are measured by hand, see the commit).

const HEAD: &str = "lab fleet { domain = \"example.com\", git = \"https://github.com/me/fleet\" }\n\
cluster c0 {\n  id = 1\n  api = \"c0.example.com\"\n  pods = 10.100.0.0/16\n  services = 10.200.0.0/16\n}\n";

/// `p0: ty = first`, then `pN: ty = step(pN-1)` up to `p{n}`.
fn params(n: usize, ty: &str, first: &str, step: impl Fn(&str) -> String) -> String {
    let mut out = vec![format!("p0: {ty} = {first}")];
    for i in 1..=n {
        out.push(format!("p{i}: {ty} = {}", step(&format!("p{}", i - 1))));
    }
    out.join(",\n  ")
}

/// A template with 40 doubling parameters, and one instance of it.
fn template_bomb(ty: &str, first: &str, step: impl Fn(&str) -> String) -> String {
    format!(
        "{HEAD}template bomb(\n  {}\n) {{\n  resource \"v1\" ConfigMap name {{ data.x = str(len(p40)) }}\n}}\ninstance b = bomb on c0\n",
        params(40, ty, first, step)
    )
}

/// Compile `text` as the lab's only file; the diagnostics with the text under each
/// primary label.
fn diagnostics(text: &str) -> Vec<(&'static str, String, String)> {
    let db = labc::db::LabDb::default();
    let lab = db.load(vec![("lab.lab".to_string(), text.to_string())]);
    let (_, diags) = labc::emit::compile_with_diagnostics(&db, lab);
    // Rendering stays cheap too (the label's line is short).
    let _ = labc::diag::render_plain(&db, &diags);
    diags
        .iter()
        .map(|d| {
            (
                d.code,
                d.message.clone(),
                text[d.primary.span.range()].to_string(),
            )
        })
        .collect()
}

/// Exactly one diagnostic, E0307, whose label covers an expression containing `marker`.
fn assert_one_e0307(text: &str, marker: &str) {
    let diags = diagnostics(text);
    assert_eq!(diags.len(), 1, "one diagnostic expected, got {diags:#?}");
    let (code, message, labelled) = &diags[0];
    assert_eq!(*code, "E0307", "{message}");
    assert!(
        labelled.contains(marker),
        "the label should be at the doubling expression, it is at `{labelled}`"
    );
}

#[test]
fn string_concatenation() {
    assert_one_e0307(
        &template_bomb("string", "\"ab\"", |p| format!("{p} + {p}")),
        "+",
    );
}

#[test]
fn string_interpolation() {
    assert_one_e0307(
        &template_bomb("string", "\"ab\"", |p| format!("\"${{{p}}}${{{p}}}\"")),
        "${",
    );
}

#[test]
fn join_of_copies() {
    assert_one_e0307(
        &template_bomb("string", "\"ab\"", |p| format!("join([{p}, {p}], \"\")")),
        "[p",
    );
}

#[test]
fn join_with_a_big_separator() {
    // 10,000 copies of a 2 MiB separator: refused before it is built.
    let text = format!(
        "{HEAD}template bomb(\n  {},\n  big: string = join(range(10000), p20)\n) {{\n  resource \"v1\" ConfigMap name {{ data.x = str(len(big)) }}\n}}\ninstance b = bomb on c0\n",
        params(20, "string", "\"ab\"", |p| format!("{p} + {p}"))
    );
    assert_one_e0307(&text, "join(range(10000), p20)");
}

#[test]
fn list_concatenation() {
    assert_one_e0307(
        &template_bomb("list<string>", "[\"ab\"]", |p| format!("{p} + {p}")),
        "+",
    );
}

#[test]
fn nested_lists() {
    assert_one_e0307(
        &template_bomb("any", "[\"ab\"]", |p| format!("[{p}, {p}]")),
        "[p",
    );
}

#[test]
fn records() {
    assert_one_e0307(
        &template_bomb("any", "{ a = \"ab\" }", |p| {
            format!("{{ a = {p}, b = {p} }}")
        }),
        "{ a = p",
    );
}

#[test]
fn components_doubling_each_other() {
    // Each component's argument is the previous one's twice, through references: every
    // component stays small in evaluations, the values double across them. One E0307,
    // at the first component over its share; the ones after it fail silently.
    let mut text = format!(
        "{HEAD}template holder(v: string) {{\n  resource \"v1\" ConfigMap name {{ data.x = str(len(v)) }}\n}}\ninstance a0 = holder on c0 {{ v = \"ab\" }}\n"
    );
    for i in 1..=40 {
        text.push_str(&format!(
            "instance a{i} = holder on c0 {{ v = a{p}.v + a{p}.v }}\n",
            p = i - 1
        ));
    }
    assert_one_e0307(&text, "+");
}

#[test]
fn many_components_share_the_lab_budget() {
    // 300 instances of a template building a 16 MiB string each: every component gets
    // its share of the lab's budget, so each stops, and the one place is reported once.
    let mut text = format!(
        "{HEAD}template bomb(\n  {}\n) {{\n  resource \"v1\" ConfigMap name {{ data.x = p22 }}\n}}\n",
        params(22, "string", "\"ab\"", |p| format!("{p} + {p}"))
    );
    for i in 0..300 {
        text.push_str(&format!("instance t{i} = bomb on c0\n"));
    }
    assert_one_e0307(&text, "+");
}

#[test]
fn the_share_is_the_lab_budget_divided() {
    // Pure and deterministic: the share depends on the number of component evaluations
    // only, never on what the other components built.
    let db = labc::db::LabDb::default();
    let mut text = HEAD.to_string();
    for i in 0..1000 {
        text.push_str(&format!("tenant t{i} on c0 {{}}\n"));
    }
    let lab = db.load(vec![("lab.lab".to_string(), text)]);
    assert_eq!(
        *labc::eval::component_size_share(&db, lab),
        labc::eval::MIN_SIZE_SHARE
    );
    let lab = db.load(vec![(
        "lab.lab".to_string(),
        format!("{HEAD}tenant t on c0 {{}}\n"),
    )]);
    assert_eq!(
        *labc::eval::component_size_share(&db, lab),
        labc::eval::SIZE_BUDGET
    );
}
