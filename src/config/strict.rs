//! Reading the configuration so that every mistake in a file is found in one pass.
//!
//! serde stops at the first mistake and words it for programmers (`invalid type: integer,
//! expected a sequence`). Here the file is first read into a tree whose nodes know their line;
//! the configuration's types are then filled from that tree by a deserializer that, at a
//! mistake, records it (line, field path, plain words), hands the type an empty value and goes
//! on. Unknown fields are reported and skipped before serde sees them, with the closest known
//! name; duplicate keys too.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, IntoDeserializer, Visitor};

/// Mappings and lists nested deeper than this are refused: a configuration needs a handful of
/// levels, and the tree is built and walked recursively.
const MAX_DEPTH: usize = 64;

/// A YAML node and the line it is on (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Numbers keep their text: a number may stand where a string belongs.
    Int(String),
    Float(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The text of a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) | Value::Int(s) | Value::Float(s) => Some(s),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// A mapping's value for `key` (the first, when the key is given twice).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The line of the field at `path` (`routes[0].receivers[1]`), or of the nearest part of it
    /// that is in the file.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let mut node = self;
        let mut line = None;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let (key, indexes) = match part.split_once('[') {
                Some((key, rest)) => (key, Some(rest)),
                None => (part, None),
            };
            if !key.is_empty() {
                match node.get(key) {
                    Some(n) => node = n,
                    None => return line,
                }
                line = Some(node.line);
            }
            for index in indexes.into_iter().flat_map(|i| i.split('[')) {
                let Ok(i) = index.trim_end_matches(']').parse::<usize>() else {
                    return line;
                };
                match node.items().get(i) {
                    Some(n) => node = n,
                    None => return line,
                }
                line = Some(node.line);
            }
        }
        line
    }

    /// How the node reads in a message: `got the number 3`.
    fn describe(&self) -> String {
        match &self.value {
            Value::Null => "nothing".into(),
            Value::Bool(b) => format!("{b}"),
            Value::Int(n) | Value::Float(n) => format!("the number {n}"),
            Value::Str(s) => {
                let short: String = s.chars().take(40).collect();
                if short.len() < s.len() {
                    format!("the text {short:?}...")
                } else {
                    format!("the text {s:?}")
                }
            }
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }
}

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Counts one level of nesting while alive.
struct Nested;

impl Nested {
    fn enter<E: de::Error>() -> Result<Nested, E> {
        DEPTH.with(|d| {
            if d.get() >= MAX_DEPTH {
                return Err(E::custom(format!("nested deeper than {MAX_DEPTH} levels")));
            }
            d.set(d.get() + 1);
            Ok(Nested)
        })
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            line: s.referenced.line() as usize,
            value: s.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Int(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Int(v.to_string()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
                Ok(Value::Int(v.to_string()))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
                Ok(Value::Int(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Float(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Value, E> {
                Ok(Value::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                Value::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let _nested = Nested::enter()?;
                let mut items = Vec::new();
                while let Some(n) = seq.next_element::<Node>()? {
                    items.push(n);
                }
                Ok(Value::Seq(items))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let _nested = Nested::enter()?;
                let mut entries = Vec::new();
                while let Some(k) = map.next_key::<Node>()? {
                    let v = map.next_value::<Node>()?;
                    entries.push((k, v));
                }
                Ok(Value::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// One mistake found while reading the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    /// `routes[0].receivers`; empty for the whole file.
    pub field: String,
    pub message: String,
}

/// Fills a `T` from the tree; every mistake is in the list. `None` when the mistakes left
/// nothing to fill it with.
pub fn read<'de, T: Deserialize<'de>>(node: &Node) -> (Option<T>, Vec<Problem>) {
    let problems = RefCell::new(Vec::new());
    let value = T::deserialize(Walker {
        node,
        path: String::new(),
        problems: &problems,
    })
    .ok();
    (value, problems.into_inner())
}

/// A value that may be missing because of a mistake already reported: one broken route does not
/// hide the next. Only for types read by [`read`], whose deserializer reports every error it
/// returns.
#[derive(Debug)]
pub struct Lenient<T>(pub Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

/// The items read, each with its index in the file: one left out for a mistake does not shift
/// the names of the next.
pub fn present<T>(items: Vec<Lenient<T>>) -> impl Iterator<Item = (usize, T)> {
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| Some((i, item.0?)))
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lenient(T::deserialize(d).ok()))
    }
}

impl<T> Lenient<T> {
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

const SPANNED: &str = "$herald::config::Spanned";

/// A value and the line it is on, for the checks made after reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub referenced: Mark,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mark {
    line: u64,
}

impl Mark {
    /// 1-based; 0 when not known.
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value")
            }
            // The tree's deserializer: a mapping of the line and the value.
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut line = 0;
                let mut value = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "line" {
                        line = map.next_value()?;
                    } else {
                        value = Some(map.next_value()?);
                    }
                }
                Ok(Spanned {
                    value: value.ok_or_else(|| de::Error::missing_field("value"))?,
                    referenced: Mark { line },
                })
            }
            // Any other deserializer: the value alone.
            fn visit_newtype_struct<D: de::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                Ok(Spanned {
                    value: T::deserialize(d)?,
                    referenced: Mark::default(),
                })
            }
        }
        d.deserialize_newtype_struct(SPANNED, V(std::marker::PhantomData))
    }
}

/// An error of the tree's deserializer. Every one is recorded where it happens; what travels up
/// only says so.
#[derive(Debug)]
pub enum Error {
    Missing(&'static str),
    Message(String),
    Reported,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing(field) => write!(f, "{field}: missing"),
            Error::Message(m) => f.write_str(m),
            Error::Reported => f.write_str("reported"),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Error::Missing(field)
    }

    fn invalid_type(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        Error::Message(format!("expected {exp}, got {}", plain(&unexp)))
    }

    fn invalid_value(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        Error::Message(format!("expected {exp}, got {}", plain(&unexp)))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::Message(one_of(variant, expected))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error::Message(format!("{field} is given twice"))
    }
}

fn plain(u: &de::Unexpected) -> String {
    use de::Unexpected as U;
    match u {
        U::Bool(b) => format!("{b}"),
        U::Unsigned(n) => format!("the number {n}"),
        U::Signed(n) => format!("the number {n}"),
        U::Float(n) => format!("the number {n}"),
        U::Char(c) => format!("the text {:?}", c.to_string()),
        U::Str(s) => format!("the text {s:?}"),
        U::Unit | U::Option => "nothing".into(),
        U::Seq => "a list".into(),
        U::Map => "a mapping".into(),
        _ => "something else".into(),
    }
}

/// `"exploded" is not one of created, deleted, ...` with the closest when there is one.
fn one_of(given: &str, allowed: &[&str]) -> String {
    match closest(given, allowed) {
        Some(c) => format!(
            "{given:?} is not one of {}: did you mean {c}?",
            allowed.join(", ")
        ),
        None => format!("{given:?} is not one of {}", allowed.join(", ")),
    }
}

/// The allowed word a typo most likely meant: at most a third of its letters wrong.
pub fn closest<'a>(given: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    allowed
        .iter()
        .map(|a| (edit_distance(&given, &a.to_ascii_lowercase()), *a))
        .filter(|(d, a)| *d <= (a.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// What a list at this field holds, for "expected a list of ...".
fn list_of(path: &str) -> &'static str {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    let in_route = path.starts_with("routes");
    match last {
        "receivers" if in_route => "a list of receiver names",
        "receivers" => "a list of receivers",
        "routes" => "a list of routes",
        "silences" => "a list of silences",
        "links" => "a list of links",
        "events" => "a list of event names",
        "health" => "a list of health values",
        "status" => "a list of statuses",
        "groupBy" => "a list of grouping keys",
        "namespaces" => "a list of namespace names",
        "luaChecks" => "a list of directories",
        "to" => "a list of email addresses",
        "kinds" => "a list of kinds",
        _ => "a list",
    }
}

/// The tree's deserializer for one node.
struct Walker<'a> {
    node: &'a Node,
    path: String,
    problems: &'a RefCell<Vec<Problem>>,
}

impl<'a> Walker<'a> {
    fn at(&self, node: &'a Node, path: String) -> Walker<'a> {
        Walker {
            node,
            path,
            problems: self.problems,
        }
    }

    fn record(&self, line: usize, field: String, message: String) {
        self.problems.borrow_mut().push(Problem {
            line,
            field,
            message,
        });
    }

    /// Records an error a visitor returned, once.
    fn settle<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
        r.map_err(|e| {
            match e {
                Error::Reported => {}
                Error::Missing(field) => self.record(
                    self.node.line,
                    join(&self.path, field),
                    "missing: this field is required".into(),
                ),
                Error::Message(m) => self.record(self.node.line, self.path.clone(), m),
            }
            Error::Reported
        })
    }

    fn mismatch(&self, expected: &str) {
        self.record(
            self.node.line,
            self.path.clone(),
            format!("expected {expected}, got {}", self.node.describe()),
        );
    }

    /// After a mismatch the visitor was given an empty value; what it says of that is not news.
    fn quiet<T>(r: Result<T, Error>) -> Result<T, Error> {
        r.map_err(|_| Error::Reported)
    }

    fn empty_map(&self) -> Entries<'a> {
        Entries {
            walker: self.at(self.node, self.path.clone()),
            entries: &[],
            fields: None,
            seen: Vec::new(),
            pending: None,
        }
    }
}

macro_rules! integers {
    ($($method:ident $visit:ident $t:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let parsed = match &self.node.value {
                Value::Int(s) => s.parse::<$t>().map_err(|_| {
                    if s.starts_with('-') {
                        format!("expected a whole number of at least {}, got {s}", <$t>::MIN)
                    } else {
                        format!("expected a whole number up to {}, got {s}", <$t>::MAX)
                    }
                }),
                _ => Err(format!("expected a whole number, got {}", self.node.describe())),
            };
            match parsed {
                Ok(n) => self.settle(visitor.$visit(n)),
                Err(m) => {
                    self.record(self.node.line, self.path.clone(), m);
                    Self::quiet(visitor.$visit(0))
                }
            }
        }
    )*};
}

impl<'de, 'a> de::Deserializer<'de> for Walker<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(s) => match (s.parse::<u64>(), s.parse::<i64>()) {
                (Ok(n), _) => visitor.visit_u64(n),
                (_, Ok(n)) => visitor.visit_i64(n),
                _ => visitor.visit_str(s),
            },
            Value::Float(s) => visitor.visit_f64(s.parse().unwrap_or_default()),
            Value::Str(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(Items {
                walker: self.at(self.node, self.path.clone()),
                items,
                next: 0,
            }),
            Value::Map(entries) => visitor.visit_map(Entries {
                walker: self.at(self.node, self.path.clone()),
                entries,
                fields: None,
                seen: Vec::new(),
                pending: None,
            }),
        };
        self.settle(r)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Bool(b) => self.settle(visitor.visit_bool(*b)),
            _ => {
                self.mismatch("true or false");
                Self::quiet(visitor.visit_bool(false))
            }
        }
    }

    integers!(
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32, deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64
    );

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Int(s) | Value::Float(s) => {
                self.settle(visitor.visit_f64(s.parse().unwrap_or_default()))
            }
            _ => {
                self.mismatch("a number");
                Self::quiet(visitor.visit_f64(0.0))
            }
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    // A number or a boolean written where text belongs is taken as its text; null as empty.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Null => self.settle(visitor.visit_str("")),
            Value::Seq(_) | Value::Map(_) => {
                self.mismatch("text");
                Self::quiet(visitor.visit_str(""))
            }
            _ => {
                let s = self.node.scalar().unwrap_or_default();
                self.settle(visitor.visit_str(s))
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Null => self.settle(visitor.visit_none()),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.node.value != Value::Null {
            self.mismatch("nothing");
        }
        Self::quiet(visitor.visit_unit())
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == SPANNED {
            let line = self.node.line as u64;
            return visitor.visit_map(SpannedFields {
                line,
                value: Some(self),
            });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(items) => {
                let r = visitor.visit_seq(Items {
                    walker: self.at(self.node, self.path.clone()),
                    items,
                    next: 0,
                });
                self.settle(r)
            }
            _ => {
                self.mismatch(list_of(&self.path));
                Self::quiet(visitor.visit_seq(Items {
                    walker: self.at(self.node, self.path.clone()),
                    items: &[],
                    next: 0,
                }))
            }
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.mapping(None, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.mapping(Some(fields), visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let given = match &self.node.value {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        };
        match given {
            Some(s) if variants.contains(&s) => {
                let r = visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s));
                self.settle(r)
            }
            _ => {
                let message = match given {
                    Some(s) => one_of(s, variants),
                    None => format!(
                        "expected one of {}, got {}",
                        variants.join(", "),
                        self.node.describe()
                    ),
                };
                self.record(self.node.line, self.path.clone(), message);
                let first = variants.first().copied().unwrap_or_default();
                Self::quiet(visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(first)))
            }
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

impl<'a> Walker<'a> {
    fn mapping<'de, V: Visitor<'de>>(
        self,
        fields: Option<&'static [&'static str]>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Map(entries) => {
                let r = visitor.visit_map(Entries {
                    walker: self.at(self.node, self.path.clone()),
                    entries,
                    fields,
                    seen: Vec::new(),
                    pending: None,
                });
                self.settle(r)
            }
            // An empty section (`watch:`) is the defaults.
            Value::Null => self.settle(visitor.visit_map(self.empty_map())),
            _ => {
                let expected = match fields {
                    Some(f) if !f.is_empty() => format!("a mapping (with {})", f.join(", ")),
                    _ => "a mapping".into(),
                };
                self.mismatch(&expected);
                Self::quiet(visitor.visit_map(self.empty_map()))
            }
        }
    }
}

struct Items<'a> {
    walker: Walker<'a>,
    items: &'a [Node],
    next: usize,
}

impl<'de, 'a> de::SeqAccess<'de> for Items<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(node) = self.items.get(self.next) else {
            return Ok(None);
        };
        let path = format!("{}[{}]", self.walker.path, self.next);
        self.next += 1;
        seed.deserialize(self.walker.at(node, path)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.next)
    }
}

struct Entries<'a> {
    walker: Walker<'a>,
    entries: &'a [(Node, Node)],
    /// A struct's fields: other keys are reported and skipped.
    fields: Option<&'static [&'static str]>,
    seen: Vec<(&'a str, usize)>,
    pending: Option<(&'a Node, String)>,
}

impl<'de, 'a> de::MapAccess<'de> for Entries<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        while let Some(((k, v), rest)) = self.entries.split_first() {
            self.entries = rest;
            let Some(key) = k.scalar() else {
                self.walker.record(
                    k.line,
                    self.walker.path.clone(),
                    format!("expected a name as key, got {}", k.describe()),
                );
                continue;
            };
            let path = join(&self.walker.path, key);
            if let Some((_, first)) = self.seen.iter().find(|(s, _)| *s == key) {
                self.walker.record(
                    k.line,
                    path,
                    format!("given twice (first on line {first}); give it once"),
                );
                continue;
            }
            self.seen.push((key, k.line));
            if let Some(fields) = self.fields
                && !fields.contains(&key)
            {
                let message = match closest(key, fields) {
                    Some(c) => format!("unknown field: did you mean {c}?"),
                    None => format!("unknown field: use {}", fields.join(", ")),
                };
                self.walker.record(k.line, path, message);
                continue;
            }
            self.pending = Some((v, path));
            return seed
                .deserialize(IntoDeserializer::<Error>::into_deserializer(key))
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (node, path) = self
            .pending
            .take()
            .ok_or_else(|| Error::Message("a value without its key".into()))?;
        seed.deserialize(self.walker.at(node, path))
    }
}

/// The two fields `Spanned` reads from the tree: the line, then the value.
struct SpannedFields<'a> {
    line: u64,
    value: Option<Walker<'a>>,
}

impl<'de, 'a> de::MapAccess<'de> for SpannedFields<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let key = if self.line > 0 {
            "line"
        } else if self.value.is_some() {
            "value"
        } else {
            return Ok(None);
        };
        seed.deserialize(IntoDeserializer::<Error>::into_deserializer(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        if self.line > 0 {
            let line = std::mem::take(&mut self.line);
            return seed.deserialize(IntoDeserializer::<Error>::into_deserializer(line));
        }
        let walker = self
            .value
            .take()
            .ok_or_else(|| Error::Message("a value read twice".into()))?;
        seed.deserialize(walker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        crate::load::parse_yaml::<Node>(text, crate::load::DuplicateKeyPolicy::PassThrough)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn the_tree_knows_the_line_of_every_field() {
        let t = tree("a: 1\nroutes:\n  - receivers:\n      - x\n      - y\n  - {b: [1, 2]}\n");
        assert_eq!(t.line_of("a"), Some(1));
        assert_eq!(t.line_of("routes[0].receivers[1]"), Some(5));
        assert_eq!(t.line_of("routes[1].b[0]"), Some(6));
        // What is not in the file: the nearest part that is.
        assert_eq!(t.line_of("routes[0].when"), Some(3));
        assert_eq!(t.line_of("missing.x"), None);
    }

    #[test]
    fn a_typo_is_matched_to_the_name_it_meant() {
        let fields = [
            "name",
            "slack",
            "email",
            "webhook",
            "alertmanager",
            "rateLimit",
        ];
        assert_eq!(closest("slak", &fields), Some("slack"));
        assert_eq!(closest("ratelimit", &fields), Some("rateLimit"));
        assert_eq!(closest("webhok", &fields), Some("webhook"));
        assert_eq!(closest("colour", &fields), None);
        assert_eq!(closest("x", &fields), None);
    }

    #[test]
    fn duplicate_keys_reach_the_tree() {
        let t = tree("a: 1\na: 2\n");
        let Value::Map(entries) = &t.value else {
            panic!("{t:?}")
        };
        assert_eq!(entries.len(), 2);
    }
}
