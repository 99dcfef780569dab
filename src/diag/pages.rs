//! The pages of `labc explain`: one Markdown file per code (`pages/E0402.md`) in four
//! parts (what, why, a wrong example, the fix), parsed here and rendered for a terminal
//! or, all together, as `docs/errors.md`.
//!
//! A page is data, so its examples are tested like a fixture (`tests/main/explain.rs`):
//! the wrong example must report its code and no other, the fix no diagnostic. The format:
//!
//! - exactly the four headings of [`HEADINGS`], as `## ` lines, in that order, each with
//!   text under it, and nothing before the first;
//! - under `Wrong` and `Fix`, prose and fenced blocks; every block is a file of the
//!   example's lab: the one ```` ```lab ```` block without `file=` is `example.lab`, a
//!   block ```` ```lab,file=PATH ````, ```` ```yaml,file=PATH ```` or
//!   ```` ```text,file=PATH ```` is the file PATH (a module, a manifest, a data file that
//!   `file("path")` reads), and [`PRELUDE`] is added as `prelude.lab` unless a block says
//!   `no-prelude` (```` ```lab,no-prelude ````).

use super::codes::{Code, CODES};

/// The `lab` and `cluster infra` declarations most examples need, compiled with them as
/// `prelude.lab` so that a page shows only what its code is about.
pub const PRELUDE: &str = include_str!("pages/prelude.lab");

/// A page's headings, in order.
pub const HEADINGS: [&str; 4] = ["What it means", "Why labc rejects it", "Wrong", "Fix"];

/// The command that regenerates `docs/errors.md` (named by its test's failure message).
pub const REGENERATE: &str = "cargo run -- explain --markdown > docs/errors.md";

/// A page split into its four sections (the text under each heading, trimmed).
pub struct Page<'a> {
    pub what: &'a str,
    pub why: &'a str,
    pub wrong: Example,
    pub fix: Example,
}

/// One example: the lab's files as (path, text), ready for `LabDb::load`.
pub struct Example {
    pub files: Vec<(String, String)>,
}

/// A piece of a section: prose, or a fenced block with its info string.
enum Part<'a> {
    Text(&'a str),
    Block { info: &'a str, text: String },
}

/// The section texts of a page, checked against [`HEADINGS`].
fn sections(page: &str) -> Result<Vec<&str>, String> {
    let mut found: Vec<(&str, usize, usize)> = Vec::new();
    let mut offset = 0;
    let mut in_block = false;
    for line in page.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.starts_with("```") {
            in_block = !in_block;
        }
        if in_block {
            continue;
        }
        if let Some(heading) = line.strip_prefix("## ") {
            if let Some(last) = found.last_mut() {
                last.2 = start;
            }
            found.push((heading.trim(), offset, page.len()));
        } else if found.is_empty() && !line.trim().is_empty() {
            return Err(format!("text before the first heading: `{}`", line.trim()));
        }
    }
    let headings: Vec<&str> = found.iter().map(|f| f.0).collect();
    if headings != HEADINGS {
        return Err(format!(
            "the headings must be {HEADINGS:?} in that order, found {headings:?}"
        ));
    }
    let mut out = Vec::new();
    for (heading, start, end) in found {
        let body = page[start..end].trim();
        if body.is_empty() {
            return Err(format!("`## {heading}` is empty"));
        }
        out.push(body);
    }
    Ok(out)
}

/// The prose and fenced blocks of a section, in order.
fn parts(body: &str) -> Result<Vec<Part<'_>>, String> {
    let mut out = Vec::new();
    let mut block: Option<(&str, String)> = None;
    let mut text_start = 0;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some(info) = line.strip_prefix("```") else {
            if let Some((_, text)) = &mut block {
                text.push_str(line);
            }
            continue;
        };
        match block.take() {
            Some((info, text)) => {
                out.push(Part::Block { info, text });
                text_start = offset;
            }
            None => {
                push_text(&mut out, &body[text_start..start]);
                block = Some((info.trim(), String::new()));
            }
        }
    }
    if block.is_some() {
        return Err("a fenced block is not closed".into());
    }
    push_text(&mut out, &body[text_start..]);
    Ok(out)
}

fn push_text<'a>(out: &mut Vec<Part<'a>>, text: &'a str) {
    let text = text.trim();
    if !text.is_empty() {
        out.push(Part::Text(text));
    }
}

/// The files of an example section (see the module's format).
fn example(body: &str) -> Result<Example, String> {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut main = 0;
    let mut prelude = true;
    for part in parts(body)? {
        let Part::Block { info, text } = part else {
            continue;
        };
        let mut words = info.split(',').map(str::trim);
        let lang = words.next().unwrap_or_default();
        let mut path = None;
        for word in words {
            match word.strip_prefix("file=") {
                Some(p) if !p.is_empty() => path = Some(p.to_string()),
                _ if word == "no-prelude" => prelude = false,
                _ => return Err(format!("unknown word `{word}` in ```{info}")),
            }
        }
        let path = match (lang, path) {
            ("lab", None) => {
                main += 1;
                "example.lab".to_string()
            }
            ("lab" | "yaml" | "text", Some(p)) => p,
            _ => {
                return Err(format!(
                    "a block is ```lab, ```lab,file=PATH, ```yaml,file=PATH or ```text,file=PATH, found ```{info}"
                ))
            }
        };
        if path == "prelude.lab" || files.iter().any(|f| f.0 == path) {
            return Err(format!("two files named `{path}`"));
        }
        files.push((path, text));
    }
    if main != 1 {
        return Err(format!(
            "an example has exactly one ```lab block without `file=`, found {main}"
        ));
    }
    if prelude {
        files.push(("prelude.lab".to_string(), PRELUDE.to_string()));
    }
    Ok(Example { files })
}

/// A code's page, parsed; `Err` says what is wrong with its Markdown.
pub fn page(code: &Code) -> Result<Page<'static>, String> {
    let s = sections(code.page)?;
    Ok(Page {
        what: s[0],
        why: s[1],
        wrong: example(s[2]).map_err(|e| format!("`## Wrong`: {e}"))?,
        fix: example(s[3]).map_err(|e| format!("`## Fix`: {e}"))?,
    })
}

/// A page for a terminal: the code and title, each heading with its text indented by
/// two spaces and fenced blocks, unfenced, by four (so they can be copied as they are).
pub fn render_terminal(code: &Code) -> String {
    let mut out = format!("{}: {}\n", code.code, code.title);
    let Ok(s) = sections(code.page) else {
        // Pages are checked by tests; a broken one is still worth printing as written.
        out.push('\n');
        out.push_str(code.page);
        return out;
    };
    for (heading, body) in HEADINGS.iter().zip(&s) {
        out.push_str(&format!("\n{heading}\n"));
        let parts = parts(body).unwrap_or_default();
        // With several files, each block is headed by its path, the main one too.
        let blocks = parts
            .iter()
            .filter(|p| matches!(p, Part::Block { .. }))
            .count();
        for part in parts {
            out.push('\n');
            match part {
                Part::Text(text) => {
                    for line in text.lines() {
                        push_indented(&mut out, "  ", line);
                    }
                }
                Part::Block { info, text } => {
                    let path = info
                        .split(',')
                        .find_map(|w| w.trim().strip_prefix("file="))
                        .unwrap_or("example.lab");
                    if blocks > 1 {
                        out.push_str(&format!("  {path}:\n"));
                    }
                    for line in text.lines() {
                        push_indented(&mut out, "    ", line);
                    }
                }
            }
        }
    }
    let uses_prelude = page(code).is_ok_and(|p| {
        [&p.wrong, &p.fix]
            .iter()
            .any(|e| e.files.iter().any(|f| f.0 == "prelude.lab"))
    });
    if uses_prelude {
        out.push_str(
            "\nThe examples are compiled after a prelude that declares `lab home` and\n\
             `cluster infra` (the top of `labc explain --markdown` shows it).\n",
        );
    }
    out
}

fn push_indented(out: &mut String, indent: &str, line: &str) {
    if !line.trim().is_empty() {
        out.push_str(indent);
        out.push_str(line);
    }
    out.push('\n');
}

/// `docs/errors.md`: an introduction with the prelude, a table of the codes, then every
/// page with its headings one level down.
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# labc error codes\n\n\
         <!-- Generated from src/diag/pages/ by `labc explain --markdown`; do not edit. -->\n\n\
         Every diagnostic of labc has a stable code. This file holds the page of each, as \
         `labc explain CODE` prints it: what the error means, why labc rejects it, a wrong \
         example and its fix.\n\n\
         The examples are tested (`tests/main/explain.rs`): each wrong example reports its \
         code and no other, and each fix compiles with no diagnostic. A ```` ```lab ```` \
         block is the file `example.lab` of a lab; a block with `file=PATH` is another file \
         of it (a module, a manifest). Unless a block says `no-prelude`, the lab also has this `prelude.lab`:\n\n",
    );
    out.push_str("```lab\n");
    out.push_str(PRELUDE);
    out.push_str("```\n\n| Code | Title |\n|---|---|\n");
    for c in CODES {
        out.push_str(&format!(
            "| [{0}](#{1}) | {2} |\n",
            c.code,
            c.code.to_ascii_lowercase(),
            c.title
        ));
    }
    for c in CODES {
        out.push_str(&format!("\n## {}\n\n**{}**\n", c.code, c.title));
        match sections(c.page) {
            Ok(s) => {
                for (heading, body) in HEADINGS.iter().zip(&s) {
                    out.push_str(&format!("\n### {heading}\n\n{body}\n"));
                }
            }
            Err(_) => out.push_str(&format!("\n{}\n", c.page.trim())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(page: &'static str) -> Code {
        Code {
            code: "E9999",
            title: "test",
            page,
        }
    }

    const GOOD: &str = "## What it means\n\nw\n\n## Why labc rejects it\n\ny\n\n## Wrong\n\n\
        ```yaml,file=files/a.yaml\nkind: X\n```\n\n```lab\nbad\n```\n\n## Fix\n\n\
        ```lab,no-prelude\ngood\n```\n";

    #[test]
    fn a_page_splits_into_its_parts_and_files() {
        let p = page(&code(GOOD)).expect("a good page");
        assert_eq!((p.what, p.why), ("w", "y"));
        let paths: Vec<&str> = p.wrong.files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(paths, ["files/a.yaml", "example.lab", "prelude.lab"]);
        assert_eq!(p.wrong.files[1].1, "bad\n");
        assert_eq!(
            p.fix.files,
            [("example.lab".to_string(), "good\n".to_string())]
        );
        let text = render_terminal(&code(GOOD));
        assert!(text.contains("\n  files/a.yaml:\n    kind: X\n"), "{text}");
        assert!(text.contains("\n  example.lab:\n    bad\n"), "{text}");
        assert!(text.contains("\nFix\n\n    good\n"), "{text}");
    }

    #[test]
    fn broken_pages_are_refused_with_a_reason() {
        let cases: &[(&'static str, &str)] = &[
            ("intro\n## What it means\n", "text before"),
            ("## What it means\nw\n## Wrong\n```lab\n```\n", "headings must be"),
            (
                "## What it means\n\n## Why labc rejects it\ny\n## Wrong\n```lab\n```\n## Fix\n```lab\n```\n",
                "is empty",
            ),
            (
                "## What it means\nw\n## Why labc rejects it\ny\n## Wrong\n```lab\n\n## Fix\n```lab\n```\n",
                "headings must be",
            ),
            (
                "## What it means\nw\n## Why labc rejects it\ny\n## Wrong\n```lab\n```\n```lab\n```\n## Fix\n```lab\n```\n",
                "two files named `example.lab`",
            ),
            (
                "## What it means\nw\n## Why labc rejects it\ny\n## Wrong\n```yaml\n```\n## Fix\n```lab\n```\n",
                "```yaml,file=PATH",
            ),
            (
                "## What it means\nw\n## Why labc rejects it\ny\n## Wrong\n```lab,strict\n```\n## Fix\n```lab\n```\n",
                "unknown word `strict`",
            ),
            (
                "## What it means\nw\n## Why labc rejects it\ny\n## Wrong\nprose only\n## Fix\n```lab\n```\n",
                "exactly one",
            ),
        ];
        for (text, reason) in cases {
            let err = page(&code(text)).err().unwrap_or_default();
            assert!(err.contains(reason), "{text:?}: {err:?}");
            // A broken page still renders, as written.
            assert!(render_terminal(&code(text)).starts_with("E9999: test\n"));
        }
    }
}
