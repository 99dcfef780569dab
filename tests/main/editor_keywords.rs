//! The editor grammars cannot drift from the compiler's: every keyword of
//! `grammar/lab.pest` (each quoted lowercase word of two letters or more: `cluster`,
//! `provides`, `via`, `true`, ...) must appear as a word in every editor grammar and
//! highlight query. Adding a keyword to the pest grammar without teaching the editors
//! fails here, naming the files that lack it.

use std::path::Path;

/// The grammar and query files of each editor under `editors/`.
const EDITOR_FILES: &[&str] = &[
    "editors/vscode/syntaxes/lab.tmLanguage.json",
    "editors/tree-sitter-lab/grammar.js",
    "editors/tree-sitter-lab/queries/highlights.scm",
    "editors/helix/queries/lab/highlights.scm",
    "editors/vim/syntax/lab.vim",
    "editors/sublime/lab.sublime-syntax",
];

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The keywords of a pest grammar: its quoted lowercase words, in order, once each.
fn pest_keywords(grammar: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in grammar.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (i, part) in code.split('"').enumerate() {
            // Odd parts are inside quotes.
            let word = i % 2 == 1
                && part.len() >= 2
                && part.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if word && !out.iter().any(|w| w == part) {
                out.push(part.to_string());
            }
        }
    }
    out
}

/// Whether `word` occurs in `text` with no identifier character on either side.
fn has_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// The keywords `text` lacks.
fn missing<'k>(keywords: &'k [String], text: &str) -> Vec<&'k str> {
    keywords
        .iter()
        .filter(|k| !has_word(text, k))
        .map(String::as_str)
        .collect()
}

fn every_keyword_is_in_every_editor_grammar() {
    let keywords = pest_keywords(&read("grammar/lab.pest"));
    let mut problems = Vec::new();
    for file in EDITOR_FILES {
        let lacking = missing(&keywords, &read(file));
        if !lacking.is_empty() {
            problems.push(format!("{file} lacks: {}", lacking.join(", ")));
        }
    }
    assert!(
        problems.is_empty(),
        "keywords of grammar/lab.pest missing from editor grammars:\n{}",
        problems.join("\n")
    );
}

/// The check itself: it finds the keywords of the real grammar and reports a missing one.
fn the_keyword_check_reports_a_missing_keyword() {
    let keywords = pest_keywords(&read("grammar/lab.pest"));
    for k in [
        "use", "cluster", "consumes", "via", "mesh", "true", "null", "list",
    ] {
        assert!(
            keywords.iter().any(|w| w == k),
            "`{k}` not found in lab.pest"
        );
    }
    // Escapes (`"n"`), operators and comments are not keywords.
    assert!(!keywords.iter().any(|w| w.len() < 2));
    let pest = "a = { \"cluster\" ~ x }\nb = { \"consumes\" ~ \"of\" } // \"comment\"\n";
    let keywords = pest_keywords(pest);
    assert_eq!(keywords, ["cluster", "consumes", "of"]);
    let grammar = "keywords: cluster|of; consumesx";
    assert_eq!(missing(&keywords, grammar), ["consumes"]);
}

tests!(
    every_keyword_is_in_every_editor_grammar,
    the_keyword_check_reports_a_missing_keyword,
);
