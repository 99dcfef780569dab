//! `labc explain`: print a code's page, the list of codes, or all pages as
//! `docs/errors.md` (`--markdown`). The pages are rendered by `diag::pages`; this only
//! prints them.

use crate::diag;

pub(crate) fn run(code: Option<String>, list: bool, markdown: bool) -> i32 {
    if markdown {
        print!("{}", diag::pages::render_markdown());
        return 0;
    }
    if list || code.is_none() {
        for c in diag::codes::CODES {
            println!("{}  {}", c.code, c.title);
        }
        return 0;
    }
    let code = code.unwrap_or_default();
    match diag::codes::lookup(&code) {
        Some(c) => {
            print!("{}", diag::pages::render_terminal(c));
            0
        }
        None => {
            eprintln!("labc: unknown code `{code}` (labc explain --list shows them all)");
            2
        }
    }
}
