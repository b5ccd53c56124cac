//! Lua 5.1 patterns (`string.find`, `match`, `gmatch`, `gsub`) matched in Rust under a budget.
//!
//! LuaJIT matches patterns in C, where the instruction hook that enforces the time limit never
//! runs: `("a"):rep(30):find(("a*"):rep(30) .. "b")` backtracks for longer than the universe
//! has existed. These replacements keep Lua 5.1's semantics (classes, sets, `%b`, `%f`,
//! back-references, position captures, 32 captures, `^` literal in `gmatch`) and count their
//! steps: every few thousand steps they look at the evaluation's deadline, and past it they fail
//! with the time limit's error, which the sandbox's guards pass on like the hook's own.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use mlua::{Function, IntoLua, Lua, MultiValue, Table, Value};

/// Captures one pattern may hold (Lua's `LUA_MAXCAPTURES`).
const MAX_CAPTURES: usize = 32;
/// Nesting of the matcher's recursion (Lua's C stack would overflow far later; this fails first).
const MAX_DEPTH: usize = 200;
/// Steps between two looks at the clock.
const CHECK_EVERY: u64 = 4096;
/// Steps allowed when no deadline is set (outside an evaluation).
const STEPS_WITHOUT_DEADLINE: u64 = 50_000_000;
/// The message the time limit fails with; the VM's hook uses the same one.
pub const TIME_LIMIT: &str = "herald: time limit";

const SPECIALS: &[u8] = b"^$*+?.([%-";

#[derive(Debug)]
enum Fail {
    Time,
    Pattern(&'static str),
}

type Found = Result<Option<usize>, Fail>;

#[derive(Clone, Copy)]
enum Cap {
    Open,
    Position,
    Len(usize),
}

struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    level: usize,
    caps: [(usize, Cap); MAX_CAPTURES],
    depth: usize,
    steps: u64,
    deadline: Option<Instant>,
}

impl<'a> Matcher<'a> {
    fn new(src: &'a [u8], pat: &'a [u8], deadline: Option<Instant>) -> Self {
        Matcher {
            src,
            pat,
            level: 0,
            caps: [(0, Cap::Open); MAX_CAPTURES],
            depth: 0,
            steps: 0,
            deadline,
        }
    }

    fn tick(&mut self) -> Result<(), Fail> {
        self.steps += 1;
        if self.steps.is_multiple_of(CHECK_EVERY) {
            let over = match self.deadline {
                Some(d) => Instant::now() >= d,
                None => self.steps >= STEPS_WITHOUT_DEADLINE,
            };
            if over {
                return Err(Fail::Time);
            }
        }
        Ok(())
    }

    /// Where the single-character class at `p` ends.
    fn class_end(&self, mut p: usize) -> Result<usize, Fail> {
        let c = self.pat[p];
        p += 1;
        match c {
            b'%' => {
                if p >= self.pat.len() {
                    return Err(Fail::Pattern("malformed pattern (ends with '%')"));
                }
                Ok(p + 1)
            }
            b'[' => {
                if self.pat.get(p) == Some(&b'^') {
                    p += 1;
                }
                // The first character of a set is taken literally, even `]`.
                loop {
                    if p >= self.pat.len() {
                        return Err(Fail::Pattern("malformed pattern (missing ']')"));
                    }
                    let c = self.pat[p];
                    p += 1;
                    if c == b'%' && p < self.pat.len() {
                        p += 1;
                    }
                    if self.pat.get(p) == Some(&b']') {
                        return Ok(p + 1);
                    }
                }
            }
            _ => Ok(p),
        }
    }

    /// Whether `c` is in the set `pat[p..=close]` (`pat[p]` is `[`, `pat[close]` is `]`).
    fn in_set(&self, c: u8, mut p: usize, close: usize) -> bool {
        p += 1;
        let mut wanted = true;
        if self.pat[p] == b'^' {
            wanted = false;
            p += 1;
        }
        while p < close {
            let x = self.pat[p];
            if x == b'%' && p + 1 < close {
                if class_matches(c, self.pat[p + 1]) {
                    return wanted;
                }
                p += 2;
            } else if self.pat.get(p + 1) == Some(&b'-') && p + 2 < close {
                if x <= c && c <= self.pat[p + 2] {
                    return wanted;
                }
                p += 3;
            } else {
                if x == c {
                    return wanted;
                }
                p += 1;
            }
        }
        !wanted
    }

    fn single(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            b'%' => class_matches(c, self.pat[p + 1]),
            b'[' => self.in_set(c, p, ep - 1),
            lit => lit == c,
        }
    }

    fn find_at(&mut self, s: usize, p: usize) -> Found {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fail::Pattern("pattern too complex"));
        }
        let r = self.step(s, p);
        self.depth -= 1;
        r
    }

    fn step(&mut self, mut s: usize, mut p: usize) -> Found {
        loop {
            self.tick()?;
            let Some(&c) = self.pat.get(p) else {
                return Ok(Some(s));
            };
            match c {
                b'(' if self.pat.get(p + 1) == Some(&b')') => {
                    return self.open_capture(s, p + 2, Cap::Position);
                }
                b'(' => return self.open_capture(s, p + 1, Cap::Open),
                b')' => return self.close_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                b'%' if self.pat.get(p + 1) == Some(&b'b') => match self.balanced(s, p + 2)? {
                    Some(e) => {
                        s = e;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                b'%' if self.pat.get(p + 1) == Some(&b'f') => {
                    p += 2;
                    if self.pat.get(p) != Some(&b'[') {
                        return Err(Fail::Pattern("missing '[' after '%f' in pattern"));
                    }
                    let ep = self.class_end(p)?;
                    let before = if s == 0 { 0 } else { self.src[s - 1] };
                    let here = self.src.get(s).copied().unwrap_or(0);
                    if !self.in_set(before, p, ep - 1) && self.in_set(here, p, ep - 1) {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                b'%' if self.pat.get(p + 1).is_some_and(u8::is_ascii_digit) => {
                    match self.back_reference(s, self.pat[p + 1])? {
                        Some(e) => {
                            s = e;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {}
            }
            let ep = self.class_end(p)?;
            let here = self.single(s, p, ep);
            match self.pat.get(ep) {
                Some(b'?') => {
                    if here && let Some(e) = self.find_at(s + 1, ep + 1)? {
                        return Ok(Some(e));
                    }
                    p = ep + 1;
                }
                Some(b'*') => return self.longest(s, p, ep),
                Some(b'+') => {
                    return if here {
                        self.longest(s + 1, p, ep)
                    } else {
                        Ok(None)
                    };
                }
                Some(b'-') => return self.shortest(s, p, ep),
                _ => {
                    if !here {
                        return Ok(None);
                    }
                    s += 1;
                    p = ep;
                }
            }
        }
    }

    /// `x*`: as many as match, then give back one at a time.
    fn longest(&mut self, s: usize, p: usize, ep: usize) -> Found {
        let mut n = 0;
        while self.single(s + n, p, ep) {
            self.tick()?;
            n += 1;
        }
        loop {
            if let Some(e) = self.find_at(s + n, ep + 1)? {
                return Ok(Some(e));
            }
            if n == 0 {
                return Ok(None);
            }
            n -= 1;
        }
    }

    /// `x-`: as few as match, then take one more at a time.
    fn shortest(&mut self, mut s: usize, p: usize, ep: usize) -> Found {
        loop {
            if let Some(e) = self.find_at(s, ep + 1)? {
                return Ok(Some(e));
            }
            if !self.single(s, p, ep) {
                return Ok(None);
            }
            s += 1;
        }
    }

    fn open_capture(&mut self, s: usize, p: usize, what: Cap) -> Found {
        if self.level >= MAX_CAPTURES {
            return Err(Fail::Pattern("too many captures"));
        }
        self.caps[self.level] = (s, what);
        self.level += 1;
        let r = self.find_at(s, p)?;
        if r.is_none() {
            self.level -= 1;
        }
        Ok(r)
    }

    fn close_capture(&mut self, s: usize, p: usize) -> Found {
        let Some(l) = (0..self.level)
            .rev()
            .find(|&l| matches!(self.caps[l].1, Cap::Open))
        else {
            return Err(Fail::Pattern("invalid pattern capture"));
        };
        self.caps[l].1 = Cap::Len(s - self.caps[l].0);
        let r = self.find_at(s, p)?;
        if r.is_none() {
            self.caps[l].1 = Cap::Open;
        }
        Ok(r)
    }

    fn back_reference(&mut self, s: usize, digit: u8) -> Found {
        let l = usize::from(digit.wrapping_sub(b'1'));
        let (start, len) = match self.caps.get(l) {
            Some(&(start, Cap::Len(len))) if l < self.level => (start, len),
            _ => return Err(Fail::Pattern("invalid capture index")),
        };
        let captured = &self.src[start..start + len];
        Ok(self.src[s..].starts_with(captured).then_some(s + len))
    }

    fn balanced(&mut self, s: usize, p: usize) -> Found {
        if p + 1 >= self.pat.len() {
            return Err(Fail::Pattern("missing arguments to '%b'"));
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&open) {
            return Ok(None);
        }
        let mut depth = 1;
        for i in s + 1..self.src.len() {
            self.tick()?;
            let c = self.src[i];
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(None)
    }

    /// Capture `i` of a match of `src[s..e]`; with no captures, capture 0 is the whole match.
    fn capture(&self, lua: &Lua, i: usize, s: usize, e: usize) -> mlua::Result<Value> {
        if i >= self.level {
            if i == 0 {
                return lua.create_string(&self.src[s..e]).map(Value::String);
            }
            return Err(mlua::Error::runtime("invalid capture index"));
        }
        match self.caps[i] {
            (start, Cap::Len(len)) => lua
                .create_string(&self.src[start..start + len])
                .map(Value::String),
            (start, Cap::Position) => Ok(Value::Integer(start as i64 + 1)),
            (_, Cap::Open) => Err(mlua::Error::runtime("unfinished capture")),
        }
    }

    /// Every capture of a match (or the whole match when the pattern has none).
    fn captures(&self, lua: &Lua, s: usize, e: usize) -> mlua::Result<MultiValue> {
        (0..self.level.max(1))
            .map(|i| self.capture(lua, i, s, e))
            .collect()
    }

    fn reset(&mut self) {
        self.level = 0;
        self.depth = 0;
    }
}

fn class_matches(c: u8, class: u8) -> bool {
    let yes = match class.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return class == c,
    };
    if class.is_ascii_uppercase() {
        !yes
    } else {
        yes
    }
}

fn fail(e: Fail) -> mlua::Error {
    match e {
        Fail::Time => mlua::Error::runtime(TIME_LIMIT),
        Fail::Pattern(m) => mlua::Error::runtime(m),
    }
}

/// A string argument: numbers are taken as their text, as Lua does.
fn text_arg(v: &Value, n: usize, name: &str) -> mlua::Result<Vec<u8>> {
    match v {
        Value::String(s) => Ok(s.as_bytes().to_vec()),
        Value::Integer(i) => Ok(i.to_string().into_bytes()),
        Value::Number(x) => Ok(crate::lua::outcome::format_number(*x).into_bytes()),
        other => Err(mlua::Error::runtime(format!(
            "bad argument #{n} to '{name}' (string expected, got {})",
            other.type_name()
        ))),
    }
}

fn int_arg(v: Option<&Value>, n: usize, name: &str, default: i64) -> mlua::Result<i64> {
    match v {
        None | Some(Value::Nil) => Ok(default),
        Some(Value::Integer(i)) => Ok(*i),
        Some(Value::Number(x)) => Ok(*x as i64),
        Some(Value::String(s)) => s
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .map(|x| x as i64)
            .ok_or_else(|| {
                mlua::Error::runtime(format!("bad argument #{n} to '{name}' (number expected)"))
            }),
        Some(other) => Err(mlua::Error::runtime(format!(
            "bad argument #{n} to '{name}' (number expected, got {})",
            other.type_name()
        ))),
    }
}

/// Lua's 1-based, possibly negative start position, as an offset into `len` bytes.
fn start_offset(init: i64, len: usize) -> usize {
    let len = len as i64;
    let i = if init < 0 { len + init } else { init - 1 };
    i.clamp(0, len + 1) as usize
}

/// Installs the matching functions into `string`, replacing LuaJIT's.
pub fn install(lua: &Lua, deadline: &Rc<Cell<Option<Instant>>>) -> mlua::Result<()> {
    let string: Table = lua.globals().get("string")?;
    let d = Rc::clone(deadline);
    string.raw_set(
        "find",
        lua.create_function(move |lua, args: MultiValue| find(lua, &args, d.get(), true))?,
    )?;
    let d = Rc::clone(deadline);
    string.raw_set(
        "match",
        lua.create_function(move |lua, args: MultiValue| find(lua, &args, d.get(), false))?,
    )?;
    let d = Rc::clone(deadline);
    string.raw_set(
        "gmatch",
        lua.create_function(move |lua, args: MultiValue| gmatch(lua, &args, &d))?,
    )?;
    let d = Rc::clone(deadline);
    string.raw_set(
        "gsub",
        lua.create_function(move |lua, args: MultiValue| gsub(lua, &args, d.get()))?,
    )?;
    Ok(())
}

fn find(
    lua: &Lua,
    args: &MultiValue,
    deadline: Option<Instant>,
    find: bool,
) -> mlua::Result<MultiValue> {
    let name = if find { "find" } else { "match" };
    let src = text_arg(args.front().unwrap_or(&Value::Nil), 1, name)?;
    let pat = text_arg(args.get(1).unwrap_or(&Value::Nil), 2, name)?;
    let start = start_offset(int_arg(args.get(2), 3, name, 1)?, src.len());
    if start > src.len() {
        return Ok(MultiValue::from_iter([Value::Nil]));
    }
    let plain = args
        .get(3)
        .is_some_and(|v| !matches!(v, Value::Nil | Value::Boolean(false)));
    if find && (plain || !pat.iter().any(|c| SPECIALS.contains(c))) {
        let at = if pat.is_empty() {
            Some(0)
        } else {
            src[start..]
                .windows(pat.len())
                .position(|w| w == pat.as_slice())
        };
        return Ok(match at {
            Some(i) => MultiValue::from_iter([
                Value::Integer((start + i + 1) as i64),
                Value::Integer((start + i + pat.len()) as i64),
            ]),
            None => MultiValue::from_iter([Value::Nil]),
        });
    }
    let (anchored, body) = match pat.split_first() {
        Some((b'^', rest)) => (true, rest),
        _ => (false, pat.as_slice()),
    };
    let mut m = Matcher::new(&src, body, deadline);
    let mut s = start;
    loop {
        m.reset();
        if let Some(e) = m.find_at(s, 0).map_err(fail)? {
            if !find {
                return m.captures(lua, s, e);
            }
            let mut out =
                MultiValue::from_iter([Value::Integer(s as i64 + 1), Value::Integer(e as i64)]);
            if m.level > 0 {
                out.extend(m.captures(lua, s, e)?);
            }
            return Ok(out);
        }
        s += 1;
        if anchored || s > src.len() {
            return Ok(MultiValue::from_iter([Value::Nil]));
        }
    }
}

fn gmatch(
    lua: &Lua,
    args: &MultiValue,
    deadline: &Rc<Cell<Option<Instant>>>,
) -> mlua::Result<Function> {
    let src = text_arg(args.front().unwrap_or(&Value::Nil), 1, "gmatch")?;
    let pat = text_arg(args.get(1).unwrap_or(&Value::Nil), 2, "gmatch")?;
    let next = Cell::new(0usize);
    let deadline = Rc::clone(deadline);
    lua.create_function(move |lua, ()| {
        let mut m = Matcher::new(&src, &pat, deadline.get());
        let mut s = next.get();
        while s <= src.len() {
            m.reset();
            if let Some(e) = m.find_at(s, 0).map_err(fail)? {
                // An empty match moves on by one, or the loop would never end.
                next.set(if e == s { e + 1 } else { e });
                return m.captures(lua, s, e);
            }
            s += 1;
        }
        next.set(src.len() + 1);
        Ok(MultiValue::from_iter([Value::Nil]))
    })
}

fn gsub(lua: &Lua, args: &MultiValue, deadline: Option<Instant>) -> mlua::Result<MultiValue> {
    let src = text_arg(args.front().unwrap_or(&Value::Nil), 1, "gsub")?;
    let pat = text_arg(args.get(1).unwrap_or(&Value::Nil), 2, "gsub")?;
    let repl = args.get(2).cloned().unwrap_or(Value::Nil);
    if !matches!(
        repl,
        Value::String(_)
            | Value::Integer(_)
            | Value::Number(_)
            | Value::Table(_)
            | Value::Function(_)
    ) {
        return Err(mlua::Error::runtime(format!(
            "bad argument #3 to 'gsub' (string/function/table expected, got {})",
            repl.type_name()
        )));
    }
    let repl_text = match &repl {
        Value::Table(_) | Value::Function(_) => None,
        v => Some(text_arg(v, 3, "gsub")?),
    };
    let max = int_arg(args.get(3), 4, "gsub", src.len() as i64 + 1)?;
    let (anchored, body) = match pat.split_first() {
        Some((b'^', rest)) => (true, rest),
        _ => (false, pat.as_slice()),
    };
    let mut m = Matcher::new(&src, body, deadline);
    let mut out = Vec::with_capacity(src.len());
    let mut s = 0;
    let mut n = 0i64;
    while n < max {
        m.reset();
        let found = m.find_at(s, 0).map_err(fail)?;
        if let Some(e) = found {
            n += 1;
            match &repl_text {
                Some(text) => expand(&m, lua, text, s, e, &mut out)?,
                None => {
                    let whole = &src[s..e];
                    let first = m.capture(lua, 0, s, e)?;
                    let value = match &repl {
                        Value::Table(t) => t.get::<Value>(first)?,
                        Value::Function(f) => f.call::<Value>(m.captures(lua, s, e)?)?,
                        _ => unreachable!("checked above"),
                    };
                    match value {
                        Value::Nil | Value::Boolean(false) => out.extend_from_slice(whole),
                        Value::String(r) => out.extend_from_slice(&r.as_bytes()),
                        Value::Integer(_) | Value::Number(_) => {
                            out.extend_from_slice(&text_arg(&value, 3, "gsub")?);
                        }
                        other => {
                            return Err(mlua::Error::runtime(format!(
                                "invalid replacement value (a {})",
                                other.type_name()
                            )));
                        }
                    }
                }
            }
        }
        match found {
            Some(e) if e > s => s = e,
            _ if s < src.len() => {
                out.push(src[s]);
                s += 1;
            }
            _ => break,
        }
        if anchored {
            break;
        }
    }
    if s < src.len() {
        out.extend_from_slice(&src[s..]);
    }
    Ok(MultiValue::from_iter([
        lua.create_string(&out)?.into_lua(lua)?,
        Value::Integer(n),
    ]))
}

/// A replacement string: `%0`..`%9` are captures, `%` before anything else is that character.
fn expand(
    m: &Matcher<'_>,
    lua: &Lua,
    text: &[u8],
    s: usize,
    e: usize,
    out: &mut Vec<u8>,
) -> mlua::Result<()> {
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c != b'%' || i == text.len() {
            out.push(c);
            continue;
        }
        let d = text[i];
        i += 1;
        if !d.is_ascii_digit() {
            out.push(d);
            continue;
        }
        let v = if d == b'0' {
            Value::String(lua.create_string(&m.src[s..e])?)
        } else {
            m.capture(lua, usize::from(d - b'1'), s, e)?
        };
        match v {
            Value::String(v) => out.extend_from_slice(&v.as_bytes()),
            other => out.extend_from_slice(&text_arg(&other, 3, "gsub")?),
        }
    }
    Ok(())
}
