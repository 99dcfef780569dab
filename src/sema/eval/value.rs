//! Runtime values and types of the language, and their conversion to YAML.

use std::fmt;
use std::net::IpAddr;

use indexmap::IndexMap;

use crate::literal::{AddrRange, Bytes, Duration, Millicores, Version};
use crate::yaml::Yaml;

/// A reference to a component, as a value (`server = shared-postgres`).
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentRef {
    pub name: String,
    pub namespace: String,
    pub cluster: String,
    /// The operator or template it instantiates (`None` for tenants).
    pub definition: Option<String>,
    pub via_mesh: bool,
    /// Its arguments (settings or template parameters, defaults filled in), readable as
    /// fields (`server.roles`). Shared: references are cloned at every use, the
    /// arguments are not.
    pub args: std::sync::Arc<IndexMap<String, Value>>,
    /// Its header closed a cycle of headers, so its arguments are unknown (`args` is
    /// empty); see `component::header_cycle`.
    pub cyclic: bool,
    /// Its declaration has errors of its own, so some arguments may be missing.
    pub broken: bool,
    /// Its evaluation went over its budget (E0307), so some arguments were cut.
    pub over_budget: bool,
}

/// A value. Literals whose meaning depends on the expected type (`500m`: CPU or
/// duration?) stay `Unit`/`Decimal` until a type interprets them.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    /// A number with a unit, not yet interpreted (`500m`, `2Gi`, `10m`).
    Unit(String),
    /// A decimal, not yet interpreted (`1.5`).
    Decimal(String),
    /// Basis points: `90%` is 9000.
    Percent(u32),
    Bytes(Bytes),
    Cpu(Millicores),
    Duration(Duration),
    Ip(IpAddr),
    Cidr(ipnet::IpNet),
    Range(AddrRange),
    Version(Version),
    Url(String),
    /// A path in a secret store; never the secret itself.
    Secret(String),
    Component(ComponentRef),
    List(Vec<Value>),
    Record(IndexMap<String, Value>),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Str(_) => "string",
            Value::Unit(_) => "number with unit",
            Value::Decimal(_) => "decimal",
            Value::Percent(_) => "percent",
            Value::Bytes(_) => "quantity",
            Value::Cpu(_) => "cpu",
            Value::Duration(_) => "duration",
            Value::Ip(_) => "ip",
            Value::Cidr(_) => "cidr",
            Value::Range(_) => "range",
            Value::Version(_) => "version",
            Value::Url(_) => "url",
            Value::Secret(_) => "secret",
            Value::Component(_) => "component",
            Value::List(_) => "list",
            Value::Record(_) => "record",
        }
    }

    /// The type with an article and, for literals whose unit is not yet known, what they
    /// could mean: "a quantity", "`10m` (a duration or a CPU quantity)".
    pub fn describe(&self) -> String {
        match self {
            Value::Unit(s) => {
                let mut kinds = Vec::new();
                if crate::literal::parse_bytes(s).is_ok() {
                    kinds.push("a quantity");
                }
                if crate::literal::parse_duration(s).is_ok() {
                    kinds.push("a duration");
                }
                if crate::literal::parse_cpu(s).is_ok() {
                    kinds.push("a CPU quantity");
                }
                if kinds.is_empty() {
                    format!("`{s}` (an unknown unit)")
                } else {
                    format!("`{s}` ({})", kinds.join(" or "))
                }
            }
            other => with_article(other.type_name()),
        }
    }

    /// The text of a scalar as it appears in YAML and in string interpolation.
    pub fn scalar_text(&self) -> Option<String> {
        Some(match self {
            Value::Bool(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Str(s) | Value::Unit(s) | Value::Decimal(s) | Value::Url(s) => s.clone(),
            Value::Percent(bp) => {
                if bp % 100 == 0 {
                    format!("{}%", bp / 100)
                } else {
                    format!("{}%", *bp as f64 / 100.0)
                }
            }
            Value::Bytes(b) => b.to_string(),
            Value::Cpu(c) => c.to_string(),
            Value::Duration(d) => d.to_string(),
            Value::Ip(ip) => ip.to_string(),
            Value::Cidr(c) => c.to_string(),
            Value::Range(r) => r.to_string(),
            Value::Version(v) => v.text.clone(),
            Value::Component(c) => c.name.clone(),
            _ => return None,
        })
    }

    /// Convert to YAML. Secrets cannot be written into manifests; callers must have
    /// lowered them to references before (the evaluator rejects them in open trees).
    pub fn to_yaml(&self) -> Yaml {
        match self {
            Value::Null | Value::Secret(_) => Yaml::Null,
            Value::Bool(b) => Yaml::Bool(*b),
            Value::Int(n) => Yaml::Int(*n),
            // A decimal nobody gave a unit to is a number in the output (`ratio = 1.5`).
            Value::Decimal(d) => Yaml::Float(d.clone()),
            // Memory as a plain number of bytes would lose the reader's intent; Kubernetes
            // accepts the canonical suffixed form everywhere a quantity is expected.
            Value::List(items) => Yaml::Seq(items.iter().map(Value::to_yaml).collect()),
            Value::Record(fields) => Yaml::Map(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_yaml()))
                    .collect(),
            ),
            other => Yaml::Str(other.scalar_text().unwrap_or_default()),
        }
    }
}

/// The validator's view of a value, as [`Value::to_yaml`] writes it: `null` for `null` and
/// secret paths, numbers for ints and bare decimals, lists and maps as they are, and every
/// other scalar (quantities, durations, addresses, versions, URLs) as its text, a string.
impl crate::schema::Instance for Value {
    fn ty(&self) -> crate::schema::Type {
        use crate::schema::Type;
        match self {
            Value::Null | Value::Secret(_) => Type::Null,
            Value::Bool(_) => Type::Boolean,
            Value::Int(_) => Type::Integer,
            Value::Decimal(_) => Type::Number,
            Value::List(_) => Type::Array,
            Value::Record(_) => Type::Object,
            _ => Type::String,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Decimal(d) => d.parse().ok(),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            Value::Null
            | Value::Secret(_)
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Decimal(_)
            | Value::List(_)
            | Value::Record(_) => None,
            other => Some(std::borrow::Cow::Owned(
                other.scalar_text().unwrap_or_default(),
            )),
        }
    }

    fn items(&self) -> Vec<&Value> {
        match self {
            Value::List(items) => items.iter().collect(),
            _ => Vec::new(),
        }
    }

    fn fields(&self) -> Vec<(&str, &Value)> {
        match self {
            Value::Record(fields) => fields.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            _ => Vec::new(),
        }
    }

    fn field(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Record(fields) => fields.get(key),
            _ => None,
        }
    }
}

/// "an int", "a quantity".
pub fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// A type, as written in parameters, settings and record-type fields, or built in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Any,
    Bool,
    Int,
    Str,
    Quantity,
    Cpu,
    Duration,
    Percent,
    Ip,
    Cidr,
    Range,
    Port,
    Asn,
    Version,
    Url,
    /// A Kubernetes object name (DNS-1123 label).
    Name,
    Secret,
    List(Box<Ty>),
    Map(Box<Ty>),
    Optional(Box<Ty>),
    /// A user-declared record type, by name.
    Record(String),
    /// A cron expression (a string): five fields, or six with seconds first (`cron6`).
    Cron {
        seconds: bool,
    },
    /// A capability kind (`storage_class`): a name some component on the cluster provides.
    Capability(String),
    /// A component instantiating this operator or template.
    Component(String),
}

impl Ty {
    /// The builtin scalar types by their written name.
    pub fn builtin(name: &str) -> Option<Ty> {
        Some(match name {
            "any" => Ty::Any,
            "bool" => Ty::Bool,
            "int" => Ty::Int,
            "string" => Ty::Str,
            "quantity" => Ty::Quantity,
            "cpu" => Ty::Cpu,
            "duration" => Ty::Duration,
            "percent" => Ty::Percent,
            "ip" => Ty::Ip,
            "cidr" => Ty::Cidr,
            "range" => Ty::Range,
            "port" => Ty::Port,
            "asn" => Ty::Asn,
            "version" => Ty::Version,
            "url" => Ty::Url,
            "name" => Ty::Name,
            "secret" => Ty::Secret,
            "cron" => Ty::Cron { seconds: false },
            "cron6" => Ty::Cron { seconds: true },
            _ => return None,
        })
    }

    pub const BUILTIN_NAMES: &'static [&'static str] = &[
        "any", "bool", "int", "string", "quantity", "cpu", "duration", "percent", "ip", "cidr",
        "range", "port", "asn", "version", "url", "name", "secret", "cron", "cron6",
    ];
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Any => f.write_str("any"),
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Str => f.write_str("string"),
            Ty::Quantity => f.write_str("quantity"),
            Ty::Cpu => f.write_str("cpu"),
            Ty::Duration => f.write_str("duration"),
            Ty::Percent => f.write_str("percent"),
            Ty::Ip => f.write_str("ip"),
            Ty::Cidr => f.write_str("cidr"),
            Ty::Range => f.write_str("range"),
            Ty::Port => f.write_str("port"),
            Ty::Asn => f.write_str("asn"),
            Ty::Version => f.write_str("version"),
            Ty::Url => f.write_str("url"),
            Ty::Name => f.write_str("name"),
            Ty::Secret => f.write_str("secret"),
            Ty::Cron { seconds: false } => f.write_str("cron"),
            Ty::Cron { seconds: true } => f.write_str("cron6"),
            Ty::List(t) => write!(f, "list<{t}>"),
            Ty::Map(t) => write!(f, "map<{t}>"),
            Ty::Optional(t) => write!(f, "{t}?"),
            Ty::Record(n) | Ty::Capability(n) | Ty::Component(n) => f.write_str(n),
        }
    }
}
