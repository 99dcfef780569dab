//! Where each field of a manifest document is written: the span of every map key and list
//! item of one document, by path, from the YAML parser's event positions (`yaml-rust2`),
//! so that a schema problem in a manifest file points at its line. Read only when a
//! problem is found; a query per (file, document), so a file is parsed once for them.

use indexmap::IndexMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::db::{Db, SourceFile};
use crate::schema::Seg;
use crate::syntax::ast::Span;

/// The spans of document `doc` (counting from 0, empty documents included) of a manifest
/// file: each path's key (for a map entry) or first token (for a list item). Flow
/// collections are covered too; a path the parser did not reach is absent, and the caller
/// falls back to the nearest parent found.
#[salsa::tracked(returns(ref))]
pub fn manifest_lines(db: &dyn Db, file: SourceFile, doc: u32) -> IndexMap<Vec<Seg>, Span> {
    let text = file.text(db);
    let mut walk = Walk {
        text,
        bytes: text.char_indices().map(|(i, _)| i).collect(),
        pending: None,
        wanted: doc as usize,
        doc: 0,
        stack: Vec::new(),
        path: Vec::new(),
        out: IndexMap::new(),
    };
    let mut parser = Parser::new_from_str(text);
    // A syntax error ends the walk with what was found: the document parsed already
    // (`manifest_docs`), so this happens only past it.
    let _ = parser.load(&mut walk, true);
    walk.out
}

/// The path of `path` with the nearest recorded parent's span: `path` itself when written
/// there, else the deepest prefix that is; `None` when not even the top is.
pub fn nearest(lines: &IndexMap<Vec<Seg>, Span>, path: &[Seg]) -> Option<Span> {
    (0..=path.len())
        .rev()
        .find_map(|n| lines.get(&path[..n]).copied())
}

/// One open collection: a map (whether its next scalar is a key, and the last key) or a
/// list (the next item's index).
enum Frame {
    Map { key_next: bool },
    List { next: usize },
}

struct Walk<'t> {
    text: &'t str,
    /// The byte offset of each character: the parser's marks count characters.
    bytes: Vec<usize>,
    /// A list item that is a collection: recorded at its first token, since the parser
    /// marks a block collection's start after it.
    pending: Option<Vec<Seg>>,
    wanted: usize,
    doc: usize,
    stack: Vec<Frame>,
    path: Vec<Seg>,
    out: IndexMap<Vec<Seg>, Span>,
}

impl Walk<'_> {
    /// A node starts at `mark`: record it as a list item, and step into the path it has.
    /// `true` when the node is a map key (a scalar only), which is recorded by the caller.
    /// `len` is the token's length when known (a plain scalar's); `collection` is true at
    /// the start of a map or list.
    fn node_start(
        &mut self,
        mark: Marker,
        key: Option<&str>,
        len: Option<usize>,
        collection: bool,
    ) -> bool {
        let at = self.byte(mark);
        if let Some(path) = self.pending.take() {
            let end = len.map_or_else(
                || token_end(self.text, at),
                |n| (at + n).min(self.text.len()),
            );
            self.out.insert(path, Span::new(at, end));
        }
        let end = len.map_or_else(
            || token_end(self.text, at),
            |n| (at + n).min(self.text.len()),
        );
        match self.stack.last_mut() {
            Some(Frame::Map { key_next }) if *key_next => {
                *key_next = false;
                if let Some(k) = key {
                    self.path.push(Seg::Key(k.to_string()));
                    self.out.insert(self.path.clone(), Span::new(at, end));
                }
                true
            }
            Some(Frame::List { next }) => {
                self.path.push(Seg::Index(*next));
                *next += 1;
                if collection {
                    self.pending = Some(self.path.clone());
                } else {
                    self.out.insert(self.path.clone(), Span::new(at, end));
                }
                false
            }
            _ => false,
        }
    }

    /// The byte offset of a mark.
    fn byte(&self, mark: Marker) -> usize {
        self.bytes
            .get(mark.index())
            .copied()
            .unwrap_or(self.text.len())
    }

    /// A node (a scalar, or a collection at its end) is complete: leave its path step.
    fn node_end(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key_next }) => {
                *key_next = true;
                self.path.pop();
            }
            Some(Frame::List { .. }) => {
                self.path.pop();
            }
            None => {}
        }
    }
}

impl MarkedEventReceiver for Walk<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::DocumentEnd => {
                self.doc += 1;
                self.stack.clear();
                self.path.clear();
            }
            _ if self.doc != self.wanted => {}
            Event::Scalar(value, style, ..) => {
                let len = (style == TScalarStyle::Plain).then_some(value.len());
                if !self.node_start(mark, Some(&value), len, false) {
                    self.node_end();
                }
            }
            Event::Alias(_) if !self.node_start(mark, None, None, false) => self.node_end(),
            Event::MappingStart(..) => {
                self.node_start(mark, None, None, true);
                self.stack.push(Frame::Map { key_next: true });
            }
            Event::SequenceStart(..) => {
                self.node_start(mark, None, None, true);
                self.stack.push(Frame::List { next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(path) = self.pending.take() {
                    let at = self.byte(mark);
                    self.out
                        .insert(path, Span::new(at, token_end(self.text, at)));
                }
                self.stack.pop();
                self.node_end();
            }
            _ => {}
        }
    }
}

/// The end of the token at byte `at`: up to a `:` followed by a space or the line's end,
/// or the line's end, trimmed (a key `replicas:` underlines `replicas`).
fn token_end(text: &str, at: usize) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    let line = rest.split('\n').next().unwrap_or_default();
    let stop = line
        .match_indices(':')
        .find(|(i, _)| {
            line[i + 1..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ' || c == '\t' || c == '\r')
        })
        .map_or(line.len(), |(i, _)| i);
    let token = line[..stop].trim_end();
    at + token.len().max(1).min(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, doc: u32) -> Vec<(String, String)> {
        let db = crate::db::LabDb::default();
        let file = SourceFile::new(&db, "m.yaml".into(), text.into());
        manifest_lines(&db, file, doc)
            .iter()
            .map(|(path, span)| {
                let p: Vec<String> = path
                    .iter()
                    .map(|s| match s {
                        Seg::Key(k) => k.clone(),
                        Seg::Index(i) => i.to_string(),
                    })
                    .collect();
                (p.join("."), text[span.range()].to_string())
            })
            .collect()
    }

    #[test]
    fn block_keys_and_items_of_the_wanted_document() {
        let text =
            "a: 1\n---\nkind: X\nspec:\n  ports:\n    - port: 80\n      name: hé\n    - 443\n";
        let got = lines(text, 1);
        let want = [
            ("kind", "kind"),
            ("spec", "spec"),
            ("spec.ports", "ports"),
            ("spec.ports.0", "port"),
            ("spec.ports.0.port", "port"),
            ("spec.ports.0.name", "name"),
            ("spec.ports.1", "443"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn flow_collections_and_the_nearest_parent() {
        let text = "spec: {replicas: 2, selector: {app: x}}\n";
        let got = lines(text, 0);
        assert!(got.contains(&("spec".into(), "spec".into())), "{got:?}");
        assert!(got.iter().any(|(p, _)| p == "spec.selector.app"), "{got:?}");
        let db = crate::db::LabDb::default();
        let file = SourceFile::new(&db, "m.yaml".into(), text.into());
        let map = manifest_lines(&db, file, 0);
        let deep = [
            Seg::Key("spec".into()),
            Seg::Key("template".into()),
            Seg::Key("x".into()),
        ];
        assert_eq!(nearest(map, &deep), map.get(&deep[..1]).copied());
    }
}
