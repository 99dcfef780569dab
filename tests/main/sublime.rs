//! The Sublime Text syntax `editors/sublime/lab.sublime-syntax`, run by syntect (the
//! engine of bat and the other tools that read Sublime syntaxes; Sublime itself cannot run
//! here):
//! - `sublime::syntax_test`: the assertions of `editors/sublime/syntax_test_lab.lab`, in
//!   Sublime's own syntax-test format, which Sublime's test runner reads too: after the
//!   header `# SYNTAX TEST "..."`, a comment line `#   ^^^ selector` asserts that the
//!   columns of its carets, in the last line that is not an assertion, have a scope stack
//!   matching the scope selector (`string.quoted.double.lab - meta.interpolation`); `# <-
//!   selector` asserts it for the column of the `#`;
//! - `sublime::<path>`, one test per `.lab` file of `lab/`, `stdlib/` and `tests/` that
//!   labc parses (no E0101 or E0102 on its `# expect:` line), and `sublime::<doc>#<line>`,
//!   one per complete example of the docs: no `invalid` scope anywhere.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

use syntect::easy::ScopeRegionIterator;
use syntect::highlighting::ScopeSelectors;
use syntect::parsing::{
    ParseState, Scope, ScopeStack, SyntaxDefinition, SyntaxSet, SyntaxSetBuilder,
};
use syntect::util::LinesWithEndings;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The syntax, loaded once for all tests (lines are given with their newline).
fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(|| {
        let path = root().join("editors/sublime/lab.sublime-syntax");
        let yaml = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let definition = SyntaxDefinition::load_from_str(&yaml, true, None)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut builder = SyntaxSetBuilder::new();
        builder.add(definition);
        builder.build()
    })
}

/// A token: its byte range in its line and the scope stack over it.
struct Token {
    start: usize,
    end: usize,
    scopes: Vec<Scope>,
}

/// The tokens of each line of `text`, as the `.lab` syntax parses it.
fn tokenize(text: &str) -> Result<Vec<(&str, Vec<Token>)>, String> {
    let set = syntax_set();
    let syntax = set
        .find_syntax_by_extension("lab")
        .ok_or("the syntax does not claim the extension `lab`")?;
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut lines = Vec::new();
    for (i, line) in LinesWithEndings::from(text).enumerate() {
        let ops = state
            .parse_line(line, set)
            .map_err(|e| format!("line {}: {e}", i + 1))?;
        let mut tokens = Vec::new();
        let mut start = 0;
        for (piece, op) in ScopeRegionIterator::new(&ops, line) {
            stack
                .apply(op)
                .map_err(|e| format!("line {}: {e:?}", i + 1))?;
            if !piece.is_empty() {
                tokens.push(Token {
                    start,
                    end: start + piece.len(),
                    scopes: stack.as_slice().to_vec(),
                });
                start += piece.len();
            }
        }
        lines.push((line, tokens));
    }
    Ok(lines)
}

fn show(scopes: &[Scope]) -> String {
    let names: Vec<String> = scopes.iter().map(|s| s.build_string()).collect();
    names.join(" ")
}

/// An assertion line: the byte columns it asserts and its selector text.
fn assertion(line: &str) -> Option<(Vec<usize>, &str)> {
    let hash = line.len() - line.trim_start().len();
    let rest = line[hash..].strip_prefix('#')?;
    let gap = rest.len() - rest.trim_start().len();
    let rest = &rest[gap..];
    if let Some(selector) = rest.strip_prefix("<-") {
        return Some((vec![hash], selector.trim()));
    }
    let carets = rest.len() - rest.trim_start_matches('^').len();
    if carets == 0 {
        return None;
    }
    let first = hash + 1 + gap;
    Some(((first..first + carets).collect(), rest[carets..].trim()))
}

fn syntax_test() {
    let path = root().join("editors/sublime/syntax_test_lab.lab");
    let text = std::fs::read_to_string(&path).unwrap();
    let header = text.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("# SYNTAX TEST \"") && header.ends_with("lab.sublime-syntax\""),
        "{}: the first line must be `# SYNTAX TEST \"Packages/.../lab.sublime-syntax\"`, not {header:?}",
        path.display()
    );
    let lines = tokenize(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut tested: Option<(usize, &[Token])> = None;
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, (line, tokens)) in lines.iter().enumerate().skip(1) {
        let Some((columns, selector_text)) = assertion(line) else {
            tested = Some((i, tokens));
            continue;
        };
        let (code, code_tokens) =
            tested.unwrap_or_else(|| panic!("line {}: an assertion before any code line", i + 1));
        let selector = ScopeSelectors::from_str(selector_text)
            .unwrap_or_else(|e| panic!("line {}: bad selector {selector_text:?}: {e:?}", i + 1));
        for column in columns {
            checked += 1;
            let token = code_tokens
                .iter()
                .find(|t| t.start <= column && column < t.end);
            let scopes = token.map_or(&[][..], |t| &t.scopes[..]);
            if selector.does_match(scopes).is_none() {
                let code_line = lines[code].0;
                failures.push(format!(
                    "line {}, column {} ({:?}): expected {selector_text}, got {}",
                    code + 1,
                    column + 1,
                    code_line
                        .get(column..)
                        .unwrap_or("")
                        .chars()
                        .take(10)
                        .collect::<String>(),
                    show(scopes)
                ));
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} assertions in {}",
        path.display()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} assertions of {} failed:\n{}",
        failures.len(),
        path.display(),
        failures.join("\n")
    );
}

/// The `.lab` files under `dir`, recursively, sorted.
fn lab_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            lab_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "lab") {
            out.push(path);
        }
    }
}

/// Whether labc parses the file: no syntax error (E0101) or too deep nesting (E0102) on
/// its `# expect:` line.
fn parses(text: &str) -> bool {
    let expect = text
        .lines()
        .take(5)
        .find_map(|l| l.trim_start().strip_prefix("# expect:"));
    !expect.is_some_and(|codes| codes.contains("E0101") || codes.contains("E0102"))
}

fn check_no_invalid(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    check_text_no_invalid(&text)
}

fn check_text_no_invalid(text: &str) -> Result<(), String> {
    let invalid = Scope::new("invalid").unwrap();
    let mut errors = Vec::new();
    for (i, (line, tokens)) in tokenize(text)?.iter().enumerate() {
        for token in tokens {
            if let Some(scope) = token.scopes.iter().find(|s| invalid.is_prefix_of(**s)) {
                errors.push(format!(
                    "line {}, column {} ({:?}): {}",
                    i + 1,
                    line[..token.start].chars().count() + 1,
                    &line[token.start..token.end],
                    scope.build_string()
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("invalid scopes:\n{}", errors.join("\n")))
    }
}

fn cases() -> Vec<libtest_mimic::Trial> {
    let mut files = Vec::new();
    for dir in ["lab", "stdlib", "tests"] {
        lab_files(&root().join(dir), &mut files);
    }
    files
        .into_iter()
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| parses(&t)))
        .map(|path| {
            let name = path
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            crate::case(module_path!(), &name, move || check_no_invalid(&path))
        })
        .chain(doc_examples().into_iter().map(|(name, text)| {
            crate::case(module_path!(), &name, move || check_text_no_invalid(&text))
        }))
        .collect()
}

/// The complete examples of the docs: blocks fenced exactly ```` ```lab ```` in
/// `docs/language.md` and `README.md` (their tests compile them), named `<file>#<line>`.
fn doc_examples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for md in ["docs/language.md", "README.md"] {
        let text = std::fs::read_to_string(root().join(md)).unwrap_or_default();
        let mut block: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            match &mut block {
                None if line == "```lab" => block = Some((i + 2, String::new())),
                Some((start, body)) if line == "```" => {
                    out.push((format!("{md}#{start}"), std::mem::take(body)));
                    block = None;
                }
                Some((_, body)) => {
                    body.push_str(line);
                    body.push('\n');
                }
                None => {}
            }
        }
    }
    assert!(out.len() >= 5, "only {} doc examples found", out.len());
    out
}

tests!(syntax_test; cases: cases);
