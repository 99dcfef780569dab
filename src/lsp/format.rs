//! `textDocument/formatting`: the document through labc's own formatter (what `labc fmt`
//! runs, `syntax::fmt`), as one edit that replaces the whole text.

use lsp_types::TextEdit;

use super::text;

/// The edits that format `source`: none when it is already formatted, and none when it
/// has syntax errors (the formatter refuses those; the diagnostics already say why, so
/// formatting is not an error of its own).
pub fn format_document(source: &str) -> Vec<TextEdit> {
    match crate::syntax::fmt::format(source) {
        Ok(formatted) if formatted != source => vec![TextEdit {
            range: text::range(source, 0, source.len()),
            new_text: formatted,
        }],
        Ok(_) | Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_over_the_whole_text_and_none_when_formatted_or_broken() {
        let messy = "cluster  c {\n id=1\n}\n";
        let edits = format_document(messy);
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].range, text::range(messy, 0, messy.len()));
        assert_eq!(edits[0].new_text, "cluster c {\n  id = 1\n}\n");
        assert!(format_document(&edits[0].new_text).is_empty());
        assert!(format_document("cluster c {\n  id = \n").is_empty());
    }
}
