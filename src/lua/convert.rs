//! Handing a Kubernetes object to Lua: straight from the parsed JSON onto the Lua stack with the
//! C API, one table per JSON object or array, no intermediate copies.
//!
//! The conversion follows what Argo CD's scripts were written against (gopher-lua fed from
//! `unstructured` maps): objects and arrays become tables (arrays 1-based), numbers become Lua
//! numbers, `null` becomes nil (the key is absent). `metadata.managedFields` and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation are left out: they are often
//! the largest part of an object, repeat the rest of it, and no health check reads them.

use std::ffi::c_int;

use mlua::ffi;
use serde_json::{Map, Value};

/// Deepest nesting converted; deeper values become nil. Real objects nest a dozen levels.
const MAX_DEPTH: usize = 64;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Pushes `v` onto the stack of `state`.
///
/// # Safety
/// `state` must be a valid Lua state inside a protected call (allocation errors unwind).
pub unsafe fn push(state: *mut ffi::lua_State, v: &Value) {
    unsafe { push_value(state, v, 0, Place::Root) }
}

unsafe fn push_value(state: *mut ffi::lua_State, v: &Value, depth: usize, place: Place) {
    unsafe {
        match v {
            Value::Null => ffi::lua_pushnil(state),
            Value::Bool(b) => ffi::lua_pushboolean(state, c_int::from(*b)),
            Value::Number(n) => ffi::lua_pushnumber(state, n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => push_str(state, s),
            Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => ffi::lua_pushnil(state),
            Value::Array(items) => {
                ffi::luaL_checkstack(state, 4, c"object too deep".as_ptr());
                ffi::lua_createtable(state, len_hint(items.len()), 0);
                let mut i: c_int = 0;
                for item in items {
                    if item.is_null() {
                        // A hole, as in gopher-lua: the array keeps its indices.
                        i += 1;
                        continue;
                    }
                    push_value(state, item, depth + 1, Place::Other);
                    i += 1;
                    ffi::lua_rawseti_(state, -2, i);
                }
            }
            Value::Object(map) => push_map(state, map, depth, place),
        }
    }
}

/// Where a map sits in the object, for the parts left out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Metadata,
    Annotations,
    Other,
}

unsafe fn push_map(
    state: *mut ffi::lua_State,
    map: &Map<String, Value>,
    depth: usize,
    place: Place,
) {
    unsafe {
        ffi::luaL_checkstack(state, 4, c"object too deep".as_ptr());
        ffi::lua_createtable(state, 0, len_hint(map.len()));
        for (k, v) in map {
            let skip = v.is_null()
                || (place == Place::Metadata && k == "managedFields")
                || (place == Place::Annotations && k == LAST_APPLIED);
            if skip {
                continue;
            }
            let child = match (place, k.as_str()) {
                (Place::Root, "metadata") => Place::Metadata,
                (Place::Metadata, "annotations") => Place::Annotations,
                _ => Place::Other,
            };
            push_str(state, k);
            push_value(state, v, depth + 1, child);
            ffi::lua_rawset(state, -3);
        }
    }
}

unsafe fn push_str(state: *mut ffi::lua_State, s: &str) {
    unsafe { ffi::lua_pushlstring_(state, s.as_ptr().cast(), s.len()) }
}

fn len_hint(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}
