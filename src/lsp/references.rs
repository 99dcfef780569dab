//! Find references and rename: every name of every file of the lab resolved by the
//! walker of `navigate.rs` (`resolved_names`), kept when it resolves to the same
//! declaration or field as the name under the cursor. A rename is those places with the
//! new text, refused for what the lab does not own (stdlib names, modules, the `lab`) and
//! for a new name that is not an identifier or collides with one of its namespace.

use super::diagnostics::is_stdlib;
use super::navigate::{item_place, name_at, resolve, resolved_names, Place, Role, Target};
use crate::db::{Db, Lab, SourceFile};
use crate::sema::index::{self, item_index, parse};
use crate::syntax::ast::DeclKind;
use crate::syntax::parse::is_identifier;

/// What two names must share to be the same thing: the declaration (file and index), a
/// field of one, or a module.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Item(SourceFile, u32),
    Field(SourceFile, u32, String),
    Module(String),
}

fn key_of(target: &Target) -> Option<Key> {
    match target {
        Target::Item(item) => Some(Key::Item(item.file, item.index)),
        Target::Field(def, field) => Some(Key::Field(def.file, def.index, field.name.text.clone())),
        Target::Module(name, _) => Some(Key::Module(name.clone())),
        // `cluster.x` is a field of a record value, not a declaration: no references.
        Target::RecordField(_) => None,
    }
}

/// Where the target is declared (`None` for a module, which is a file).
fn declaration(db: &dyn Db, target: &Target) -> Option<Place> {
    match target {
        Target::Item(item) => Some(item_place(db, item)),
        Target::Field(def, field) => {
            let span = index::absolute(db, def.file, field.name.span);
            Some(Place {
                file: def.file,
                start: span.start as usize,
                end: span.end as usize,
            })
        }
        Target::Module(..) | Target::RecordField(_) => None,
    }
}

/// The name at byte `at`, what it resolves to, and that target's key.
fn target_at(db: &dyn Db, lab: Lab, file: SourceFile, at: usize) -> Option<(Place, Target, Key)> {
    let found = name_at(db, file, at)?;
    let target = resolve(db, lab, file, &found)?;
    let key = key_of(&target)?;
    let place = Place {
        file,
        start: found.start,
        end: found.end,
    };
    Some((place, target, key))
}

/// Every place in the lab's files (the stdlib's too) that names what `key` is, in file
/// order and then by offset, each once.
fn uses(db: &dyn Db, lab: Lab, key: &Key) -> Vec<(Place, Role)> {
    let mut out = Vec::new();
    for &file in lab.files(db) {
        for (found, target) in resolved_names(db, lab, file) {
            if key_of(&target).as_ref() == Some(key) {
                let place = Place {
                    file,
                    start: found.start,
                    end: found.end,
                };
                if !out.iter().any(|(p, _)| *p == place) {
                    out.push((place, found.role));
                }
            }
        }
    }
    out
}

/// The references of the name at byte `at` of `file`; with `include_declaration`, its
/// declaration too (first). `None` when the cursor is on no name that resolves.
pub fn references(
    db: &dyn Db,
    lab: Lab,
    file: SourceFile,
    at: usize,
    include_declaration: bool,
) -> Option<Vec<Place>> {
    let (_, target, key) = target_at(db, lab, file, at)?;
    let decl = declaration(db, &target);
    let mut out: Vec<Place> = Vec::new();
    if include_declaration {
        out.extend(decl);
    }
    for (place, _) in uses(db, lab, &key) {
        if Some(place) != decl {
            out.push(place);
        }
    }
    Some(out)
}

/// What a rename is refused with: a plain message for the user.
pub type Refusal = String;

/// The range of the name a rename at byte `at` would change, or why it cannot be renamed;
/// `Ok(None)` when there is no name there.
pub fn prepare_rename(
    db: &dyn Db,
    lab: Lab,
    file: SourceFile,
    at: usize,
) -> Result<Option<(Place, String)>, Refusal> {
    let Some(found) = name_at(db, file, at) else {
        return Ok(None);
    };
    let Some(target) = resolve(db, lab, file, &found) else {
        return Err(format!(
            "`{}` names nothing that can be renamed",
            found.text
        ));
    };
    renamable(db, &target)?;
    let place = Place {
        file,
        start: found.start,
        end: found.end,
    };
    Ok(Some((place, found.text)))
}

/// Why a target cannot be renamed: it is not the lab's, or not a kind of name that is.
fn renamable(db: &dyn Db, target: &Target) -> Result<(), Refusal> {
    let (file, name, kind) = match target {
        Target::Item(item) => (item.file, item.name.as_str(), item.kind),
        Target::Field(def, field) => (def.file, field.name.text.as_str(), def.kind),
        Target::Module(name, _) => {
            return Err(format!(
                "the module `{name}` is named by its file: rename the file instead"
            ))
        }
        Target::RecordField(_) => {
            return Err("a field of `cluster` or `lab` is not renamed here".to_string())
        }
    };
    if is_stdlib(file.path(db)) {
        return Err(format!(
            "`{name}` is declared in the stdlib ({}), which the lab cannot rename",
            file.path(db)
        ));
    }
    if matches!(target, Target::Field(..)) && kind == DeclKind::Type {
        // `peer.host` reads a field through a value whose type the syntax tree does not
        // say, so a rename would miss those reads.
        return Err(format!(
            "`{name}` is a field of a record type: its reads (`x.{name}`) cannot be found, so it is not renamed"
        ));
    }
    if matches!(target, Target::Item(_))
        && matches!(kind, DeclKind::Lab | DeclKind::Namespace | DeclKind::Pins)
    {
        return Err(format!(
            "a `{}` declaration's name is not renamed here",
            kind.keyword()
        ));
    }
    Ok(())
}

/// Whether `new` is already taken in the namespace of `target`: components, clusters and
/// pools share the one of names in expressions; definitions the one of definitions (any
/// module, since `use` makes them visible to each other); fields their definition's.
fn collision(db: &dyn Db, lab: Lab, target: &Target, new: &str) -> Option<Refusal> {
    let index = item_index(db, lab);
    match target {
        Target::Item(item) if item.kind.is_definition() => index
            .definitions
            .iter()
            .find(|(_, defs)| defs.contains_key(new))
            .map(|(module, _)| format!("`{new}` is already a definition (module `{module}`)")),
        Target::Item(_) => {
            let taken = index.components_named(new).next().is_some()
                || index.clusters.contains_key(new)
                || index.pools.contains_key(new);
            taken.then(|| format!("`{new}` is already a component, cluster or pool of the lab"))
        }
        Target::Field(def, _) => {
            let decl = index::decl(db, def);
            let taken = decl
                .settings()
                .chain(decl.params.iter())
                .any(|f| f.name.text == new);
            taken.then(|| format!("`{}` already has a field `{new}`", def.name))
        }
        Target::Module(..) | Target::RecordField(_) => None,
    }
}

/// The edits that rename the name at byte `at` of `file` to `new`: (place, new text), in
/// file order. An `install X on ...` without `as` names the operator and the component
/// with one identifier, so renaming either writes `as` to keep the other
/// (`install X as new`, `install new as X`).
pub fn rename(
    db: &dyn Db,
    lab: Lab,
    file: SourceFile,
    at: usize,
    new: &str,
) -> Result<Vec<(Place, String)>, Refusal> {
    let Some((_, target, key)) = target_at(db, lab, file, at) else {
        return Err("there is no name to rename here".to_string());
    };
    renamable(db, &target)?;
    if !is_identifier(new) {
        return Err(format!(
            "`{new}` is not a name: a letter or `_` first, then letters, digits, `_` or inner `-`, and not a reserved word"
        ));
    }
    let old = match &target {
        Target::Item(item) => item.name.clone(),
        Target::Field(_, field) => field.name.text.clone(),
        Target::Module(..) | Target::RecordField(_) => String::new(),
    };
    if new == old {
        return Ok(Vec::new());
    }
    if let Some(refusal) = collision(db, lab, &target, new) {
        return Err(refusal);
    }
    let mut places: Vec<Place> = declaration(db, &target).into_iter().collect();
    for (place, _) in uses(db, lab, &key) {
        if !places.contains(&place) {
            places.push(place);
        }
    }
    let renames_definition = matches!(&target, Target::Item(i) if i.kind.is_definition());
    let edits = places
        .into_iter()
        .map(|place| {
            let text = match shared_install(db, place) {
                Some(_) if renames_definition => format!("{new} as {old}"),
                Some(definition) => format!("{definition} as {new}"),
                None => new.to_string(),
            };
            (place, text)
        })
        .collect();
    Ok(edits)
}

/// The operator an `install` names with the identifier at `place` when that identifier is
/// also the component's name (no `as`).
fn shared_install(db: &dyn Db, place: Place) -> Option<String> {
    let file = place.file;
    parse(db, file).decls.iter().find_map(|d| {
        let def = d.definition.as_ref()?;
        let at = index::absolute(db, file, def.span);
        let own = index::absolute(db, file, d.name.span);
        let here = at.start as usize == place.start && at.end as usize == place.end;
        (d.kind == DeclKind::Install && here && at == own).then(|| def.text.clone())
    })
}
