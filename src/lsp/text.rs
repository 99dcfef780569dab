//! Positions as the Language Server Protocol counts them: a line (split at `\n`) and a
//! character offset in UTF-16 code units, converted to and from byte offsets of the text,
//! and incremental edits applied with them.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// The byte offset of `pos` in `text`. A character past the end of its line means the end
/// of the line (as the protocol says), and one inside a character's UTF-16 pair means that
/// character's start; a line past the last is `None`.
pub fn offset(text: &str, pos: Position) -> Option<usize> {
    let mut start = 0;
    for _ in 0..pos.line {
        start += text[start..].find('\n')? + 1;
    }
    let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    let line = &text[start..end];
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut units = 0u32;
    for (at, c) in line.char_indices() {
        let next = units + c.len_utf16() as u32;
        if next > pos.character {
            return Some(start + at);
        }
        units = next;
    }
    Some(start + line.len())
}

/// The position of byte `at` of `text` (clamped into the text, rounded down to a
/// character boundary).
pub fn position(text: &str, at: usize) -> Position {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    Position {
        line: before.matches('\n').count() as u32,
        character: before[line_start..].encode_utf16().count() as u32,
    }
}

/// The range of bytes `start..end` of `text`.
pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range {
        start: position(text, start),
        end: position(text, end.max(start)),
    }
}

/// The byte range of `range` in `text`, `None` when a line is past the end of the text or
/// the end comes before the start.
pub fn byte_range(text: &str, range: Range) -> Option<std::ops::Range<usize>> {
    let start = offset(text, range.start)?;
    let end = offset(text, range.end)?;
    (start <= end).then_some(start..end)
}

/// `text` after the changes of one `didChange`, in order (each range is in the text the
/// previous change left). An error names the first change whose range is not in the text;
/// then nothing is applied.
pub fn apply(text: &str, changes: &[TextDocumentContentChangeEvent]) -> Result<String, String> {
    let mut text = text.to_string();
    for (i, change) in changes.iter().enumerate() {
        match change.range {
            None => text = change.text.clone(),
            Some(range) => {
                let Some(bytes) = byte_range(&text, range) else {
                    return Err(format!(
                        "change {} has the range {}:{}-{}:{}, which is not in the document",
                        i + 1,
                        range.start.line,
                        range.start.character,
                        range.end.line,
                        range.end.character
                    ));
                };
                text.replace_range(bytes, &change.text);
            }
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_columns_count_pairs_and_multibyte_characters() {
        // `é` is 2 bytes, 1 unit; `🙂` is 4 bytes, 2 units.
        let text = "aé🙂b\nx";
        assert_eq!(offset(text, p(0, 1)), Some(1));
        assert_eq!(offset(text, p(0, 2)), Some(3));
        assert_eq!(offset(text, p(0, 3)), Some(3), "inside the pair: its start");
        assert_eq!(offset(text, p(0, 4)), Some(7));
        assert_eq!(offset(text, p(0, 99)), Some(8), "past the line: its end");
        assert_eq!(offset(text, p(1, 1)), Some(10));
        assert_eq!(offset(text, p(2, 0)), None);
        assert_eq!(position(text, 7), p(0, 4));
        assert_eq!(position(text, 10), p(1, 1));
    }

    #[test]
    fn edits_apply_in_order_and_bad_ranges_apply_nothing() {
        let change = |r: Option<Range>, t: &str| TextDocumentContentChangeEvent {
            range: r,
            range_length: None,
            text: t.to_string(),
        };
        let r = |a: Position, b: Position| Some(Range { start: a, end: b });
        let text = "é🙂x\r\nline";
        let out = apply(
            text,
            &[
                change(r(p(0, 1), p(0, 3)), "-"),
                change(r(p(1, 0), p(1, 4)), "ok"),
            ],
        );
        assert_eq!(out.unwrap(), "é-x\r\nok");
        assert!(apply(text, &[change(r(p(5, 0), p(5, 1)), "z")]).is_err());
        assert!(apply(text, &[change(r(p(1, 2), p(1, 1)), "z")]).is_err());
        assert_eq!(apply(text, &[change(None, "new")]).unwrap(), "new");
    }
}
