//! Kubernetes and CRD schemas as data: the compact form labc ships and reads
//! (`model`), the importer from OpenAPI v3, CRD YAML and per-kind JSON schemas
//! (`import`), and the validator of one object against one schema (`validate`).
//!
//! This module sits on the bottom floor (beside `literal` and `yaml`): it knows nothing
//! of labs, spans or diagnostics. A check higher up asks it whether a value fits a
//! schema and gets back [`Problem`]s, each at a path inside the object; turning a path
//! into the span that wrote the field, and a problem into words, is the caller's job.

use std::borrow::Cow;

mod convert;
mod format;
pub mod import;
pub mod model;
pub mod validate;

pub use model::{NodeId, SchemaSet};

/// One step of a path inside an object: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path as people write it: `spec.containers[0].image` (empty for the root).
pub fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// The JSON type of a value, as schemas name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Null,
    Boolean,
    Integer,
    /// A number that is not an integer (`1.5`). An integer also satisfies `number`.
    Number,
    String,
    Array,
    Object,
}

impl Type {
    /// The schema's word for the type.
    pub fn name(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Boolean => "boolean",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::String => "string",
            Type::Array => "array",
            Type::Object => "object",
        }
    }
}

/// A value the validator can look at without converting it: implemented for
/// [`crate::yaml::Yaml`], for `serde_json::Value`, and higher up for the evaluator's
/// values, so an object is checked where it is, in whatever form it is held.
pub trait Instance {
    /// The JSON type this value is written as.
    fn ty(&self) -> Type;
    fn as_bool(&self) -> Option<bool>;
    /// The value as an integer, when it is one.
    fn as_i64(&self) -> Option<i64>;
    /// The value as a number (integers included).
    fn as_f64(&self) -> Option<f64>;
    /// The value as it is written when it is a string (a quantity `2Gi` is a string).
    fn as_str(&self) -> Option<Cow<'_, str>>;
    /// The items of a list, in order (empty when not a list).
    fn items(&self) -> Vec<&Self>;
    /// The fields of a map, in order (empty when not a map).
    fn fields(&self) -> Vec<(&str, &Self)>;
    /// The value of one field of a map.
    fn field(&self, key: &str) -> Option<&Self> {
        self.fields()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// What is wrong at one path of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Where, from the object's root (`spec`, `containers`, `0`, `image`).
    pub path: Vec<Seg>,
    pub what: What,
}

/// The kinds of mismatch between a value and its schema. Words are the caller's; these
/// carry what the words need.
#[derive(Clone, Debug, PartialEq)]
pub enum What {
    /// A field the schema does not have (the object is closed). `known` lists the
    /// schema's fields there, for a did-you-mean.
    UnknownField { field: String, known: Vec<String> },
    /// The value's type is not one the schema allows.
    WrongType { expected: Vec<Type>, found: Type },
    /// A value outside the schema's `enum` (each allowed value as compact JSON text).
    NotInEnum { allowed: Vec<String> },
    /// A string that does not have the schema's `format` (`date-time`, `int32`, ...),
    /// or a quantity, duration or address that does not parse; `reason` says why.
    BadFormat { format: String, reason: String },
    /// A string that does not match the schema's `pattern`.
    Pattern { pattern: String },
    /// A required field is not set (`path` is the object that lacks it).
    Missing { field: String },
    /// Fields of which at most one may be set (or exactly one, when `one_required`),
    /// with the ones set.
    Exclusive {
        fields: Vec<String>,
        set: Vec<String>,
        one_required: bool,
    },
    /// A value matches none of the alternatives of a `oneOf`/`anyOf`, or more than one
    /// of a `oneOf`; `matched` is how many it matched.
    Alternatives { count: usize, matched: usize },
    /// A number, length, item count or field count out of the schema's bounds:
    /// `what` is `value`, `length`, `items` or `fields`.
    OutOfRange {
        what: &'static str,
        found: String,
        min: Option<String>,
        max: Option<String>,
    },
    /// Two items of a set, or of a list-map with the same keys.
    Duplicate { key: String },
}
