//! Reading Kubernetes objects from YAML or JSON: multi-document streams, `List` kinds and JSON
//! arrays. One broken document is reported with its line and does not hide the others.
//!
//! Input is read as a stream, one YAML document (or one item of a JSON `List` or array) at a
//! time, so memory follows the largest document, not the size of the input. Every YAML text is
//! read with a budget on how far its aliases may expand it.

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
pub use serde_saphyr::DuplicateKeyPolicy;

/// How much YAML aliases may add to a text beyond what it holds itself: without aliases a
/// text cannot hold more scalar bytes, nor many more values, than it has bytes.
const ALIAS_BYTES: usize = 16 << 20;
const ALIAS_NODES: usize = 200_000;
/// Deeper nesting than any Kubernetes object needs; the limit keeps the stack safe.
const MAX_DEPTH: usize = 100;
/// The largest YAML document read (a JSON `List` is read item by item and has no such limit).
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;

/// One object read from a file, with where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: String,
    /// 1-based line where the object's document (or JSON item) starts.
    pub line: usize,
    pub value: Value,
}

/// Something in a file that is not an object herald can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// One object read, or one part of the input that is not an object.
pub type Loaded = Result<Document, LoadError>;

/// Everything readable in `text`, and an error for each part that is not.
pub fn parse_objects(source: &str, text: &str) -> (Vec<Document>, Vec<LoadError>) {
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let mut input = text.as_bytes();
    let collected = read_stream(source, &mut input, &mut |loaded| {
        match loaded {
            Ok(d) => docs.push(d),
            Err(e) => errors.push(e),
        }
        Ok(())
    });
    debug_assert!(collected.is_ok(), "collecting into vectors cannot fail");
    (docs, errors)
}

/// Reads the objects of the file at `path` one by one, handing each to `each` as it is read.
/// What cannot be read is handed over as an error; only an error of `each` stops the reading.
pub fn read_file(
    path: &std::path::Path,
    each: &mut dyn FnMut(Loaded) -> io::Result<()>,
) -> io::Result<()> {
    let source = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return each(Err(error(&source, None, format!("cannot read: {e}")))),
    };
    let mut input = io::BufReader::with_capacity(64 << 10, file);
    read_stream(&source, &mut input, each)
}

fn error(source: &str, line: Option<usize>, message: String) -> LoadError {
    LoadError {
        source: source.into(),
        line,
        message,
    }
}

/// Like [`read_file`], from any stream (standard input).
pub fn read_stream(
    source: &str,
    input: &mut dyn BufRead,
    each: &mut dyn FnMut(Loaded) -> io::Result<()>,
) -> io::Result<()> {
    // Blank lines before the content are skipped; the first line's indentation is kept.
    let mut line = 1;
    let mut start = true;
    let first = loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) => return each(Err(error(source, None, format!("cannot read: {e}")))),
        };
        if buf.is_empty() {
            return Ok(());
        }
        if start && buf.starts_with(b"\xef\xbb\xbf") {
            input.consume(3);
            start = false;
            continue;
        }
        start = false;
        let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let lines_end = buf[..blank]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let first = buf.get(blank).copied();
        line += buf[..lines_end].iter().filter(|b| **b == b'\n').count();
        input.consume(if first.is_some() { lines_end } else { blank });
        if let Some(first) = first {
            break first;
        }
    };
    if first == b'{' || first == b'[' {
        read_json(source, input, line, each)
    } else {
        read_yaml(source, input, line, each)
    }
}

/// Reads YAML documents one at a time, split at their `---` markers, so that a syntax error
/// stays inside its own document and memory follows the largest document.
fn read_yaml(
    source: &str,
    input: &mut dyn BufRead,
    mut line: usize,
    each: &mut dyn FnMut(Loaded) -> io::Result<()>,
) -> io::Result<()> {
    let mut doc: Vec<u8> = Vec::new();
    let mut doc_line = line;
    let mut oversized = false;
    let mut at_line_start = true;
    let mut piece = Vec::new();
    loop {
        piece.clear();
        // An over-long document is skipped in small pieces, up to the next marker.
        let cap = if oversized {
            64 << 10
        } else {
            MAX_DOCUMENT_BYTES + 1 - doc.len()
        };
        let read = (&mut *input).take(cap as u64).read_until(b'\n', &mut piece);
        let n = match read {
            Ok(n) => n,
            Err(e) => {
                yaml_document(source, std::mem::take(&mut doc), doc_line, oversized, each)?;
                return each(Err(error(source, Some(line), format!("cannot read: {e}"))));
            }
        };
        if n == 0 {
            return yaml_document(source, doc, doc_line, oversized, each);
        }
        let is_marker = at_line_start
            && piece
                .strip_prefix(b"---")
                .is_some_and(|rest| rest.first().is_none_or(u8::is_ascii_whitespace));
        if is_marker && (!doc.is_empty() || oversized) {
            yaml_document(source, std::mem::take(&mut doc), doc_line, oversized, each)?;
            doc_line = line;
            oversized = false;
        }
        at_line_start = piece.ends_with(b"\n");
        if at_line_start {
            line += 1;
        }
        if !oversized {
            if doc.len() + piece.len() > MAX_DOCUMENT_BYTES {
                oversized = true;
                doc = Vec::new();
            } else {
                doc.extend_from_slice(&piece);
            }
        }
    }
}

fn yaml_document(
    source: &str,
    doc: Vec<u8>,
    line: usize,
    oversized: bool,
    each: &mut dyn FnMut(Loaded) -> io::Result<()>,
) -> io::Result<()> {
    if oversized {
        return each(Err(error(
            source,
            Some(line),
            format!(
                "a YAML document larger than {} MiB; herald reads one document at a time and \
                 no larger (split it at `---` lines, or give a JSON List, read item by item)",
                MAX_DOCUMENT_BYTES >> 20
            ),
        )));
    }
    let text = match String::from_utf8(doc) {
        Ok(text) => text,
        Err(e) => {
            let bad_line = line
                + e.as_bytes()[..e.utf8_error().valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
            return each(Err(error(source, Some(bad_line), "not UTF-8 text".into())));
        }
    };
    // Kubernetes objects written by hand repeat keys now and then; the API server keeps the
    // last one, and so does herald.
    let parsed = yaml_values(&text, DuplicateKeyPolicy::LastWins);
    drop(text);
    match parsed {
        Ok(values) => {
            for value in values {
                flatten(source, line, value, each)?;
            }
            Ok(())
        }
        Err(e) => each(Err(error(
            source,
            Some(line - 1 + e.line.unwrap_or(1)),
            format!("invalid YAML: {}", e.message),
        ))),
    }
}

/// A YAML parse failure with the 1-based line within the parsed text.
#[derive(Debug)]
pub struct YamlError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parse every document of a YAML text, with YAML 1.2 booleans (`y`, `no`, `on` stay strings)
/// and a budget on what aliases may add to the text (see [`ALIAS_BYTES`]).
pub fn parse_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    duplicate_keys: DuplicateKeyPolicy,
) -> Result<Vec<T>, YamlError> {
    // The aliases are expanded once under the budget; only a text within it is read into
    // `T`, whose fields the budget cannot see.
    yaml_values(text, duplicate_keys)?;
    serde_saphyr::from_multiple_with_options::<T>(text, yaml_options(duplicate_keys))
        .map_err(yaml_error)
}

/// Every document of a YAML text as JSON values, within the expansion budget.
fn yaml_values(text: &str, duplicate_keys: DuplicateKeyPolicy) -> Result<Vec<Value>, YamlError> {
    let limit = Allowance {
        bytes: text.len().saturating_add(ALIAS_BYTES),
        nodes: text.len().saturating_add(ALIAS_NODES),
    };
    let previous = EXPANSION.replace(Some(limit));
    let parsed =
        serde_saphyr::from_multiple_with_options::<Bounded>(text, yaml_options(duplicate_keys));
    EXPANSION.set(previous);
    parsed
        .map(|docs| docs.into_iter().map(|Bounded(v)| v).collect())
        .map_err(yaml_error)
}

fn yaml_options(duplicate_keys: DuplicateKeyPolicy) -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: duplicate_keys,
        with_snippet: false,
        // What follows from the text's own length is bounded by the length; what aliases add
        // on top is bounded here (how many, how deep) and by the expansion budget (how much).
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: None,
            max_events: usize::MAX,
            max_nodes: usize::MAX,
            max_total_scalar_bytes: usize::MAX,
            max_documents: usize::MAX,
            max_depth: MAX_DEPTH,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: ALIAS_NODES,
        },
    }
}

fn yaml_error(e: serde_saphyr::Error) -> YamlError {
    let line = e.location().map(|l| l.line() as usize).filter(|l| *l > 0);
    let message = e.to_string();
    // The location is reported separately, so drop the crate's own position suffixes.
    let end = [" (defined at line ", " at line "]
        .iter()
        .filter_map(|suffix| message.find(suffix))
        .min()
        .unwrap_or(message.len());
    let message = message[..end].trim().to_string();
    YamlError { line, message }
}

/// What the YAML text being read may still expand to.
#[derive(Debug, Clone, Copy)]
struct Allowance {
    bytes: usize,
    nodes: usize,
}

thread_local! {
    /// Set around one parse by [`yaml_values`]: serde-saphyr gives no way to hand state to
    /// the values it builds, and a budget per thread cannot leak between parses.
    static EXPANSION: Cell<Option<Allowance>> = const { Cell::new(None) };
}

/// Counts one value of `bytes` bytes against the budget.
fn charge<E: de::Error>(bytes: usize) -> Result<(), E> {
    EXPANSION.with(|cell| {
        let Some(left) = cell.get() else {
            return Ok(());
        };
        if left.nodes == 0 || left.bytes < bytes {
            cell.set(Some(Allowance { bytes: 0, nodes: 0 }));
            return Err(E::custom(format!(
                "YAML aliases expand the text too far (herald reads at most {} MiB and {} \
                 values more than the text's own size)",
                ALIAS_BYTES >> 20,
                ALIAS_NODES
            )));
        }
        cell.set(Some(Allowance {
            bytes: left.bytes - bytes,
            nodes: left.nodes - 1,
        }));
        Ok(())
    })
}

/// A JSON value built from YAML under the expansion budget.
struct Bounded(Value);

impl<'de> Deserialize<'de> for Bounded {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoundedVisitor).map(Bounded)
    }
}

struct BoundedVisitor;

impl<'de> Visitor<'de> for BoundedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        charge(0)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        charge(0)?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        charge(0)?;
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        charge(0)?;
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        charge(v.len())?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        charge(v.len())?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        charge(0)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Bounded::deserialize(d).map(|Bounded(v)| v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        charge(0)?;
        let mut items = Vec::new();
        while let Some(Bounded(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        charge(0)?;
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            charge(key.len())?;
            let Bounded(v) = map.next_value()?;
            fields.insert(key, v);
        }
        Ok(Value::Object(fields))
    }
}

/// Counts the lines serde_json reads, so that each item of a JSON list is told by its line.
struct LineCounter<'a> {
    inner: &'a mut dyn BufRead,
    newlines: Rc<Cell<usize>>,
}

impl Read for LineCounter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let seen = buf[..n].iter().filter(|b| **b == b'\n').count();
        self.newlines.set(self.newlines.get() + seen);
        Ok(n)
    }
}

/// Where JSON items go, and what stopped them (an error of the receiver, not of the input).
struct JsonSink<'s, 'e> {
    source: &'s str,
    first_line: usize,
    newlines: Rc<Cell<usize>>,
    each: &'e mut dyn FnMut(Loaded) -> io::Result<()>,
    failed: Option<io::Error>,
}

impl JsonSink<'_, '_> {
    fn line(&self) -> usize {
        self.first_line + self.newlines.get()
    }

    fn deliver<E: de::Error>(&mut self, line: usize, value: Value) -> Result<(), E> {
        flatten(self.source, line, value, self.each).map_err(|e| {
            self.failed = Some(e);
            E::custom("output failed")
        })
    }
}

/// Reads a JSON document; the items of a top-level array or `List` are handed over one at a
/// time.
fn read_json(
    source: &str,
    input: &mut dyn BufRead,
    first_line: usize,
    each: &mut dyn FnMut(Loaded) -> io::Result<()>,
) -> io::Result<()> {
    let newlines = Rc::new(Cell::new(0));
    let counter = LineCounter {
        inner: input,
        newlines: newlines.clone(),
    };
    let mut sink = JsonSink {
        source,
        first_line,
        newlines,
        each,
        failed: None,
    };
    let mut de = serde_json::Deserializer::from_reader(counter);
    let read = Top { sink: &mut sink }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    match read {
        Ok(()) => Ok(()),
        Err(_) if sink.failed.is_some() => Err(sink
            .failed
            .take()
            .unwrap_or_else(|| io::Error::other("output failed"))),
        Err(e) => (sink.each)(Err(error(
            source,
            Some(first_line - 1 + e.line()),
            format!("invalid JSON: {e}"),
        ))),
    }
}

/// The top-level JSON value: an array or `List` is streamed, anything else read whole.
struct Top<'a, 's, 'e> {
    sink: &'a mut JsonSink<'s, 'e>,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Item {
                sink: &mut *self.sink,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let line = self.sink.line();
        let mut fields = Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            // kubectl writes `items` before `kind`: a top-level `items` list is taken for a
            // List's unless a kind read before says otherwise, and checked once the kind is read.
            let not_a_list = fields
                .get("kind")
                .is_some_and(|k| !k.as_str().is_some_and(|k| k.ends_with("List")));
            if key == "items" && !not_a_list && !streamed {
                match map.next_value_seed(Items {
                    sink: &mut *self.sink,
                })? {
                    Some(other) => {
                        fields.insert(key, other);
                    }
                    None => streamed = true,
                }
                continue;
            }
            let value: Value = map.next_value()?;
            fields.insert(key, value);
        }
        if !streamed {
            return self.sink.deliver(line, Value::Object(fields));
        }
        match fields.get("kind") {
            Some(Value::String(k)) if k.ends_with("List") => Ok(()),
            kind => {
                let kind = kind.map_or("none".to_string(), ToString::to_string);
                let e = error(
                    self.sink.source,
                    Some(line),
                    format!(
                        "not a Kubernetes List (kind: {kind}): its `items` came first and were read as objects"
                    ),
                );
                let sink = &mut *self.sink;
                (sink.each)(Err(e)).map_err(|e| {
                    sink.failed = Some(e);
                    de::Error::custom("output failed")
                })
            }
        }
    }
}

/// The `items` of a `List`: each handed over as read. Anything but an array is given back.
struct Items<'a, 's, 'e> {
    sink: &'a mut JsonSink<'s, 'e>,
}

impl<'de> DeserializeSeed<'de> for Items<'_, '_, '_> {
    type Value = Option<Value>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        while seq
            .next_element_seed(Item {
                sink: &mut *self.sink,
            })?
            .is_some()
        {}
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }
}

/// One item of a JSON array or `List`, handed over with the line it starts on.
struct Item<'a, 's, 'e> {
    sink: &'a mut JsonSink<'s, 'e>,
}

impl<'de> DeserializeSeed<'de> for Item<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Item<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        // The opening brace has just been read: this is the item's line.
        let line = self.sink.line();
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.sink.deliver(line, value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let line = self.sink.line();
        let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        self.sink.deliver(line, value)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let line = self.sink.line();
        self.sink.deliver(line, Value::from(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let line = self.sink.line();
        self.sink.deliver(line, Value::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let line = self.sink.line();
        self.sink.deliver(line, Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let line = self.sink.line();
        self.sink.deliver(line, Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let line = self.sink.line();
        self.sink.deliver(line, Value::from(v))
    }
}

/// Expand `List` kinds and arrays into their items; refuse what is not a Kubernetes object.
fn flatten(
    source: &str,
    line: usize,
    value: Value,
    each: &mut dyn FnMut(Loaded) -> io::Result<()>,
) -> io::Result<()> {
    let refuse = |message: String| -> Loaded { Err(error(source, Some(line), message)) };
    match value {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                flatten(source, line, item, each)?;
            }
            Ok(())
        }
        Value::Object(mut fields) if is_list(&fields) => {
            if let Some(Value::Array(items)) = fields.remove("items") {
                for item in items {
                    flatten(source, line, item, each)?;
                }
            }
            Ok(())
        }
        Value::Object(fields) => {
            let value = Value::Object(fields);
            let problems: Vec<String> = ["apiVersion", "kind"]
                .into_iter()
                .filter_map(|f| match value.get(f) {
                    None | Some(Value::Null) => Some(format!("missing {f}")),
                    Some(Value::String(s)) if s.is_empty() => Some(format!("missing {f}")),
                    Some(Value::String(_)) => None,
                    Some(other) => Some(format!("{f}: a {} instead of a string", json_type(other))),
                })
                .collect();
            if problems.is_empty() {
                each(Ok(Document {
                    source: source.into(),
                    line,
                    value,
                }))
            } else {
                each(refuse(format!(
                    "not a Kubernetes object: {}",
                    problems.join(", ")
                )))
            }
        }
        other => each(refuse(format!(
            "not a Kubernetes object: a {} instead of a mapping",
            json_type(&other)
        ))),
    }
}

fn is_list(fields: &Map<String, Value>) -> bool {
    fields
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && fields.get("items").is_some_and(Value::is_array)
}

/// The name of a JSON value's type, for messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_yaml_with_a_broken_document() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n";
        let (docs, errors) = parse_objects("f.yaml", text);
        let names: Vec<_> = docs
            .iter()
            .map(|d| (d.line, d.value["metadata"]["name"].as_str().unwrap()))
            .collect();
        assert_eq!(names, [(1, "a"), (6, "b")]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].line.is_some_and(|l| (4..=6).contains(&l)),
            "{:?}",
            errors[0]
        );
        assert!(errors[0].to_string().starts_with("f.yaml:"));
    }

    #[test]
    fn lists_and_arrays_are_expanded() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n";
        assert_eq!(parse_objects("l.yaml", text).0.len(), 2);
        let json = r#"[{"apiVersion": "v1", "kind": "Pod"}, {"apiVersion": "v1", "kind": "PodList", "items": [{"apiVersion": "v1", "kind": "Pod"}]}]"#;
        assert_eq!(parse_objects("l.json", json).0.len(), 2);
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let (docs, _) = parse_objects(
            "b.yaml",
            "apiVersion: v1\nkind: ConfigMap\ndata: {a: [x, y], b: on, c: 'true'}\n",
        );
        assert_eq!(docs[0].value["data"]["a"][1], "y");
        assert_eq!(docs[0].value["data"]["b"], "on");
    }

    /// Ten times `levels` lists of ten, the innermost holding `leaf`: a few hundred bytes
    /// that aliases expand `10^levels` times.
    pub(crate) fn laughs(levels: usize, leaf: &str) -> String {
        let mut text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: lol}}\nl0: &l0 \"{leaf}\"\n"
        );
        for i in 1..=levels {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        text
    }

    #[test]
    fn alias_expansion_is_bounded_in_values_and_bytes() {
        // Many small values: 10^6, well past the allowance of values.
        let (docs, errors) = parse_objects("n.yaml", &laughs(6, "lol"));
        assert!(docs.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].to_string().starts_with("n.yaml:"),
            "{}",
            errors[0]
        );
        assert!(errors[0].message.contains("alias"), "{}", errors[0]);
        // Few values, many bytes: 1,000 copies of 64 KiB.
        let (docs, errors) = parse_objects("b.yaml", &laughs(3, &"x".repeat(64 << 10)));
        assert!(docs.is_empty());
        assert!(
            errors[0].message.contains("aliases expand"),
            "{}",
            errors[0]
        );
        assert!(errors[0].line.is_some(), "{}", errors[0]);
        // The same budget holds for typed reading (configurations, test suites).
        #[derive(serde::Deserialize)]
        struct Any {
            #[allow(dead_code)]
            l3: Vec<Vec<Vec<String>>>,
        }
        let typed = parse_yaml::<Any>(&laughs(3, &"x".repeat(64 << 10)), DuplicateKeyPolicy::Error);
        assert!(typed.is_err_and(|e| e.message.contains("aliases expand")));
        // Aliases within the allowance are read as before.
        let (docs, errors) = parse_objects("ok.yaml", &laughs(2, "lol"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(docs[0].value["l2"][9][9], "lol");
    }

    #[test]
    fn documents_and_json_items_are_handed_over_one_by_one_with_their_lines() {
        let yaml = "# leading comment\n\n  apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n";
        let (docs, errors) = parse_objects("y.yaml", yaml);
        assert!(errors.is_empty(), "{errors:?}");
        let lines: Vec<usize> = docs.iter().map(|d| d.line).collect();
        assert_eq!(lines, [1, 6]);
        // kubectl writes `items` before `kind`: from a stream the List is still recognised.
        let json = "\n{\n \"apiVersion\": \"v1\",\n \"items\": [\n  {\"apiVersion\": \"v1\", \"kind\": \"Pod\"},\n  {\"apiVersion\": \"v1\",\n   \"kind\": \"Pod\"}\n ],\n \"kind\": \"List\"\n}\n";
        let (docs, errors) = parse_objects("l.json", json);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(docs.len(), 2);
        // Known to be a List before `items`, each item is told by the line it starts on.
        let json = "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"items\": [\n{\"apiVersion\": \"v1\", \"kind\": \"Pod\"},\n\n{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}]}";
        let mut lines = Vec::new();
        read_stream("l.json", &mut json.as_bytes(), &mut |d| {
            lines.push(d.map(|d| d.line).unwrap_or_default());
            Ok(())
        })
        .unwrap();
        assert_eq!(lines, [2, 4]);
        // An object whose `items` came before a kind that is no List's is told.
        let odd = r#"{"apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Pod"}], "kind": "Pod"}"#;
        let (docs, errors) = parse_objects("odd.json", odd);
        assert_eq!(docs.len(), 1);
        assert!(
            errors[0]
                .message
                .contains("not a Kubernetes List (kind: \"Pod\")"),
            "{errors:?}"
        );
        // A stop asked for by the receiver stops the reading.
        let mut seen = 0;
        let stopped = read_stream("l.json", &mut json.as_bytes(), &mut |_| {
            seen += 1;
            Err(io::Error::other("closed"))
        });
        assert!(stopped.is_err());
        assert_eq!(seen, 1);
    }

    #[test]
    fn kind_of_the_wrong_type_is_named() {
        let (_, errors) = parse_objects("k.yaml", "apiVersion: v1\nkind: 5\n");
        assert!(
            errors[0]
                .message
                .contains("kind: a number instead of a string"),
            "{errors:?}"
        );
    }

    #[test]
    fn non_objects_are_refused_by_name() {
        let (docs, errors) = parse_objects("x.yaml", "just a string\n---\nkind: Pod\n");
        assert!(docs.is_empty());
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("a string instead of a mapping"));
        assert!(errors[1].message.contains("missing apiVersion"));
        let (_, errors) = parse_objects("x.json", "{\"kind\": \n");
        assert_eq!(errors[0].line, Some(2));
    }
}
