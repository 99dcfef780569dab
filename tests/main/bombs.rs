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
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
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

fn string_concatenation() {
    assert_one_e0307(
        &template_bomb("string", "\"ab\"", |p| format!("{p} + {p}")),
        "+",
    );
}

fn string_interpolation() {
    assert_one_e0307(
        &template_bomb("string", "\"ab\"", |p| format!("\"${{{p}}}${{{p}}}\"")),
        "${",
    );
}

fn join_of_copies() {
    assert_one_e0307(
        &template_bomb("string", "\"ab\"", |p| format!("join([{p}, {p}], \"\")")),
        "[p",
    );
}

fn join_with_a_big_separator() {
    // 10,000 copies of a 2 MiB separator: refused before it is built.
    let text = format!(
        "{HEAD}template bomb(\n  {},\n  big: string = join(range(10000), p20)\n) {{\n  resource \"v1\" ConfigMap name {{ data.x = str(len(big)) }}\n}}\ninstance b = bomb on c0\n",
        params(20, "string", "\"ab\"", |p| format!("{p} + {p}"))
    );
    assert_one_e0307(&text, "join(range(10000), p20)");
}

fn list_concatenation() {
    assert_one_e0307(
        &template_bomb("list<string>", "[\"ab\"]", |p| format!("{p} + {p}")),
        "+",
    );
}

fn nested_lists() {
    assert_one_e0307(
        &template_bomb("any", "[\"ab\"]", |p| format!("[{p}, {p}]")),
        "[p",
    );
}

fn records() {
    assert_one_e0307(
        &template_bomb("any", "{ a = \"ab\" }", |p| {
            format!("{{ a = {p}, b = {p} }}")
        }),
        "{ a = p",
    );
}

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

fn the_share_is_the_lab_budget_divided() {
    // Pure and deterministic: the shares depend on the number of component evaluations
    // only, never on what the other components built.
    use labc::sema::eval::*;
    let db = labc::db::LabDb::default();
    let mut text = HEAD.to_string();
    for i in 0..1000 {
        text.push_str(&format!("tenant t{i} on c0 {{}}\n"));
    }
    let lab = db.load(vec![("lab.lab".to_string(), text)]);
    let n = *component_evaluations(&db, lab);
    assert_eq!(n, 1000);
    assert_eq!(component_size_share(n), MIN_SIZE_SHARE);
    assert_eq!(component_value_share(n), MIN_VALUE_SHARE);
    assert_eq!(component_size_share(1), SIZE_BUDGET);
    assert_eq!(component_value_share(1), VALUE_BUDGET);
    assert_eq!(component_size_share(20), LAB_SIZE_BUDGET / 20);
}

fn many_components_share_the_evaluation_budget() {
    // One instance evaluating 20,000 expressions (under the per-component limit) in a lab
    // of 400 components: over its share of the lab's evaluations. One E0307.
    let mut text = format!(
        "{HEAD}template busy() {{\n  resource \"v1\" ConfigMap name {{ data.x = str([for i in range(100): len([for j in range(100) if false: j])]) }}\n}}\ninstance b = busy on c0\n"
    );
    for i in 1..400 {
        text.push_str(&format!("tenant t{i} on c0 {{}}\n"));
    }
    let diags = diagnostics(&text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].0, "E0307");
    let share = labc::sema::eval::component_value_share(400);
    assert!(share < labc::sema::eval::VALUE_BUDGET);
    assert!(
        diags[0].1.contains(&format!("{share} expressions")),
        "{}",
        diags[0].1
    );
}

/// A template whose one line holds `n` unknown names: `n` diagnostics on one long line.
fn long_line_lab(n: usize) -> String {
    let names: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    format!(
        "{HEAD}template t() {{\n  resource \"v1\" ConfigMap \"x\" {{ data.a = [{}] }}\n}}\n",
        names.join(", ")
    )
}

fn long_lines_render_a_window_around_the_label() {
    // 1,000 errors on one 7 KB line: each rendering shows a window of the line, so the
    // output grows with the number of diagnostics, not with the length of the line.
    let text = long_line_lab(1000);
    let db = labc::db::LabDb::default();
    let lab = db.load(vec![("lab.lab".to_string(), text.clone())]);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert_eq!(diags.len(), 1000);
    let out = labc::diag::render_plain(&db, &diags);
    assert!(
        out.len() < 1000 * 700,
        "{} bytes for 1,000 diagnostics",
        out.len()
    );
    assert!(
        out.lines().all(|l| l.len() < 400),
        "a rendered line is long"
    );

    // The window is cut with marks, and the caret still sits under the name, whose
    // real line and column are given.
    let block = out
        .split("\n\n")
        .find(|b| b.contains("unknown name `u827`"))
        .expect("the diagnostic of u827");
    let line_no = text[..text.find("[u0,").unwrap()].lines().count();
    let column = text
        .lines()
        .nth(line_no - 1)
        .unwrap()
        .find("u827,")
        .unwrap()
        + 1;
    assert!(
        block.contains(&format!("lab.lab:{line_no}:{column}")),
        "{block}"
    );
    let source = block.lines().find(|l| l.contains('…')).expect("a cut line");
    let carets = block.lines().find(|l| l.contains('^')).expect("carets");
    let at = |l: &str, pat: &str| l[..l.find(pat).unwrap()].chars().count();
    assert_eq!(at(source, "u827,"), at(carets, "^^^^"), "{block}");
    assert!(source.starts_with(&format!("{line_no} │ …")), "{source}");
}

fn a_label_over_a_whole_long_line_is_cut_too() {
    // A label covering 10,000 bytes of one line (and one over several lines) renders a
    // bounded window.
    let text = format!("{HEAD}# {}\nx\n{}\n", "a".repeat(10_000), "é".repeat(5_000));
    let db = labc::db::LabDb::default();
    let lab = db.load(vec![("lab.lab".to_string(), text.clone())]);
    let file = *lab
        .files(&db)
        .iter()
        .find(|f| f.path(&db) == "lab.lab")
        .unwrap();
    let start = text.find("# a").unwrap();
    let diags = vec![
        labc::diag::Diag::error(
            "E0201",
            file,
            labc::syntax::ast::Span::new(start, start + 10_002),
            "one line",
        ),
        labc::diag::Diag::error(
            "E0201",
            file,
            labc::syntax::ast::Span::new(start + 5, text.len() - 3),
            "several lines",
        ),
    ];
    let out = labc::diag::render_plain(&db, &diags);
    assert!(out.len() < 3000, "{out}");
    assert!(out.contains("one line") && out.contains("several lines"));
}

fn a_missing_capability_among_many_providers_lists_a_few() {
    // 2,000 tenants each providing a storage class and 2,000 asking for a missing one:
    // each error names a bounded list, not every provider (which also made the errors
    // quadratic to produce and to render).
    let mut text = format!(
        "{HEAD}template user(class: storage_class) {{\n  resource \"v1\" ConfigMap name {{ data.c = class }}\n}}\n"
    );
    for i in 0..2000 {
        text.push_str(&format!(
            "tenant p{i} on c0 {{ provides storage_class \"zz{i}\" }}\ninstance u{i} = user on c0 {{ class = \"missing-{i}\" }}\n"
        ));
    }
    let db = labc::db::LabDb::default();
    let lab = db.load(vec![("lab.lab".to_string(), text)]);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert_eq!(diags.len(), 2000);
    assert!(diags.iter().all(|d| d.code == "E0402"));
    let help = diags[0].help.as_deref().unwrap_or_default();
    assert!(help.ends_with(", ..."), "{help}");
    assert!(help.len() < 400, "{help}");
    let out = labc::diag::render_plain(&db, &diags);
    assert!(out.len() < 2000 * 1000, "{} bytes", out.len());
}

tests!(
    string_concatenation,
    string_interpolation,
    join_of_copies,
    join_with_a_big_separator,
    list_concatenation,
    nested_lists,
    records,
    components_doubling_each_other,
    many_components_share_the_lab_budget,
    the_share_is_the_lab_budget_divided,
    many_components_share_the_evaluation_budget,
    long_lines_render_a_window_around_the_label,
    a_label_over_a_whole_long_line_is_cut_too,
    a_missing_capability_among_many_providers_lists_a_few,
);
