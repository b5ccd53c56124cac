//! Writes as kube-apiserver does them, for the kinds leader election and hand-over state need
//! (Lease, ConfigMap, Secret): create, update, merge patch and delete, with resourceVersion and
//! uid preconditions, and refusals as the real server's `Status` bodies.
//!
//! Pure over [`State`]: the HTTP side reads the body, picks the client and sends the change to
//! watchers.

use serde_json::{Map, Value, json};

use super::state::{Change, ResourceType, State};

/// kube-apiserver's limit on a request body (`MaxRequestBodyBytes`).
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;
/// The limit on a ConfigMap's or Secret's data (`MaxSecretSize`).
const MAX_DATA_BYTES: usize = 1024 * 1024;

const OPTIMISTIC_LOCK: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// How a kind's registry strategy in kube-apiserver treats a PUT.
#[derive(Debug, Clone, Copy)]
struct Strategy {
    /// A PUT of a missing object creates it (Lease) instead of `404` (ConfigMap, Secret).
    create_on_update: bool,
    /// A PUT without `metadata.resourceVersion` overwrites (ConfigMap, Secret) instead of
    /// `422` (Lease).
    unconditional_update: bool,
}

fn strategy(rt: &ResourceType) -> Option<Strategy> {
    match (rt.group.as_str(), rt.version.as_str(), rt.kind.as_str()) {
        ("coordination.k8s.io", "v1", "Lease") => Some(Strategy {
            create_on_update: true,
            unconditional_update: false,
        }),
        ("", "v1", "ConfigMap" | "Secret") => Some(Strategy {
            create_on_update: false,
            unconditional_update: true,
        }),
        _ => None,
    }
}

/// Whether the fake server takes writes of this type.
pub fn writable(rt: &ResourceType) -> bool {
    strategy(rt).is_some()
}

/// A refused request: the HTTP code and the `Status` body the real server sends.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    /// Empty for errors the real server does not classify (it then omits `reason`).
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// The error's `Status` body.
    pub fn status(&self) -> Value {
        let mut s = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                           "status": "Failure", "message": self.message, "code": self.code});
        if !self.reason.is_empty() {
            s["reason"] = json!(self.reason);
        }
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }

    fn not_found(rt: &ResourceType, name: &str) -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            format!("{} {name:?} not found", qualified_resource(rt)),
        )
        .with_details(resource_details(rt, name))
    }

    fn already_exists(rt: &ResourceType, name: &str) -> ApiError {
        ApiError::new(
            409,
            "AlreadyExists",
            format!("{} {name:?} already exists", qualified_resource(rt)),
        )
        .with_details(resource_details(rt, name))
    }

    fn conflict(rt: &ResourceType, name: &str, why: &str) -> ApiError {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} {name:?}: {why}",
                qualified_resource(rt)
            ),
        )
        .with_details(resource_details(rt, name))
    }

    /// `Invalid`, named as the real server names it: by kind on create and validation, by
    /// resource (`kind_name`) for the missing resourceVersion of an update.
    fn invalid(rt: &ResourceType, kind_name: &str, name: &str, causes: &[Cause]) -> ApiError {
        let qualified = if rt.group.is_empty() {
            kind_name.to_string()
        } else {
            format!("{kind_name}.{}", rt.group)
        };
        let each: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let all = if each.len() == 1 {
            each[0].clone()
        } else {
            format!("[{}]", each.join(", "))
        };
        let mut details = json!({"name": name, "kind": kind_name, "causes": causes.iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect::<Vec<_>>()});
        if !rt.group.is_empty() {
            details["group"] = json!(rt.group);
        }
        ApiError::new(
            422,
            "Invalid",
            format!("{qualified} {name:?} is invalid: {all}"),
        )
        .with_details(details)
    }
}

/// One field error of an `Invalid` refusal.
struct Cause {
    reason: &'static str,
    field: String,
    message: String,
}

/// `leases.coordination.k8s.io`, `configmaps`: how the real server names a resource in errors.
fn qualified_resource(rt: &ResourceType) -> String {
    if rt.group.is_empty() {
        rt.plural.clone()
    } else {
        format!("{}.{}", rt.plural, rt.group)
    }
}

/// The real server puts the resource (plural) in `details.kind`.
fn resource_details(rt: &ResourceType, name: &str) -> Value {
    let mut d = json!({"name": name, "kind": rt.plural});
    if !rt.group.is_empty() {
        d["group"] = json!(rt.group);
    }
    d
}

/// `403` for `user`'s `verb`, as RBAC words it.
pub fn forbidden(
    rt: &ResourceType,
    verb: &str,
    user: &str,
    namespace: &str,
    name: Option<&str>,
) -> ApiError {
    let what = match name {
        Some(n) => format!("{} {n:?}", qualified_resource(rt)),
        None => qualified_resource(rt),
    };
    let mut details = resource_details(rt, name.unwrap_or_default());
    if name.is_none() {
        details.as_object_mut().expect("an object").remove("name");
    }
    ApiError::new(
        403,
        "Forbidden",
        format!(
            "{what} is forbidden: User {user:?} cannot {verb} resource {:?} in API group {:?} in \
             the namespace {namespace:?}",
            rt.plural, rt.group
        ),
    )
    .with_details(details)
}

/// What a successful write answers, and the change for watchers (none for a no-op update).
#[derive(Debug)]
pub struct Written {
    pub code: u16,
    pub body: Value,
    pub change: Option<Change>,
}

/// `POST` to a namespace's collection.
pub fn create(
    state: &mut State,
    resource: usize,
    namespace: &str,
    body: Value,
) -> Result<Written, ApiError> {
    let rt = state.resources[resource].clone();
    let mut obj = decode(&rt, body)?;
    match obj["metadata"]["namespace"].as_str() {
        None | Some("") => {}
        Some(ns) if ns == namespace => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    obj["metadata"]["namespace"] = json!(namespace);
    let name = prepare_create(state, &rt, &mut obj)?;
    if state.get(resource, namespace, &name).is_some() {
        return Err(ApiError::already_exists(&rt, &name));
    }
    commit(state, obj, 201)
}

/// `PUT` to an object.
pub fn update(
    state: &mut State,
    resource: usize,
    namespace: &str,
    name: &str,
    body: Value,
) -> Result<Written, ApiError> {
    let rt = state.resources[resource].clone();
    let obj = decode(&rt, body)?;
    check_name(&obj, namespace, name)?;
    replace(state, resource, &rt, namespace, name, obj)
}

/// `PATCH` with a JSON merge patch (RFC 7386). A `metadata.resourceVersion` in the patch makes it
/// conditional, as on the real server; a patch never creates.
pub fn merge_patch(
    state: &mut State,
    resource: usize,
    namespace: &str,
    name: &str,
    patch: Value,
) -> Result<Written, ApiError> {
    let rt = state.resources[resource].clone();
    if !patch.is_object() {
        return Err(ApiError::bad_request(
            "the patch is not a JSON object (the fake API server takes merge patches only)",
        ));
    }
    let Some(existing) = state.get(resource, namespace, name) else {
        return Err(ApiError::not_found(&rt, name));
    };
    let mut obj = (**existing).clone();
    merge(&mut obj, &patch);
    let obj = decode(&rt, obj)?;
    check_name(&obj, namespace, name)?;
    replace(state, resource, &rt, namespace, name, obj)
}

/// `DELETE` of an object, with the preconditions of an optional `DeleteOptions` body.
pub fn delete(
    state: &mut State,
    resource: usize,
    namespace: &str,
    name: &str,
    options: Option<Value>,
) -> Result<Written, ApiError> {
    let rt = state.resources[resource].clone();
    let Some(existing) = state.get(resource, namespace, name).cloned() else {
        return Err(ApiError::not_found(&rt, name));
    };
    let meta = &existing["metadata"];
    let pre = options
        .as_ref()
        .map_or(&Value::Null, |o| &o["preconditions"]);
    // The real server names the type by its kind here (`Lease.coordination.k8s.io`), not by its
    // resource as elsewhere: `BeforeDelete` builds the GroupResource from the kind.
    let by_kind = ResourceType {
        plural: rt.kind.clone(),
        ..rt.clone()
    };
    let conflict = |why: String| ApiError::conflict(&by_kind, name, &why);
    if let Some(uid) = pre["uid"].as_str()
        && Some(uid) != meta["uid"].as_str()
    {
        return Err(conflict(format!(
            "the UID in the precondition ({uid}) does not match the UID in record ({}). \
             The object might have been deleted and then recreated",
            meta["uid"].as_str().unwrap_or_default()
        )));
    }
    if let Some(rv) = pre["resourceVersion"].as_str()
        && Some(rv) != meta["resourceVersion"].as_str()
    {
        return Err(conflict(format!(
            "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion \
             in record ({}). The object might have been modified",
            meta["resourceVersion"].as_str().unwrap_or_default()
        )));
    }
    // Finalizers hold the object: it is only marked, and goes when an update removes the last.
    if meta["finalizers"].as_array().is_some_and(|f| !f.is_empty()) {
        if !meta["deletionTimestamp"].is_null() {
            return Ok(Written {
                code: 200,
                body: (*existing).clone(),
                change: None,
            });
        }
        let mut marked = (*existing).clone();
        marked["metadata"]["deletionTimestamp"] = json!(now());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        return commit(state, marked, 200);
    }
    let change = state
        .delete(&rt.api_version(), &rt.kind, namespace, name)
        .map_err(|_| ApiError::not_found(&rt, name))?;
    let mut details = resource_details(&rt, name);
    details["uid"] = meta["uid"].clone();
    Ok(Written {
        code: 200,
        body: json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                     "status": "Success", "details": details}),
        change: Some(change),
    })
}

/// The shared path of PUT and PATCH: preconditions, then the update or (Lease) the create.
fn replace(
    state: &mut State,
    resource: usize,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    mut obj: Value,
) -> Result<Written, ApiError> {
    let strategy = strategy(rt).expect("only writable types reach here");
    obj["metadata"]["namespace"] = json!(namespace);
    let existing = state.get(resource, namespace, name).cloned();
    // A uid in the body is a precondition, checked before anything else (by the storage layer).
    if let Some(uid) = obj["metadata"]["uid"].as_str().filter(|u| !u.is_empty()) {
        let stored = existing
            .as_ref()
            .and_then(|e| e["metadata"]["uid"].as_str())
            .unwrap_or_default();
        if uid != stored {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!(
                    "StorageError: invalid object, Code: 4, Key: /registry/{}/{namespace}/{name}, \
                     ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in \
                     precondition: {uid}, UID in object meta: {stored}",
                    rt.plural
                ),
            ));
        }
    }
    let Some(existing) = existing else {
        if !strategy.create_on_update {
            return Err(ApiError::not_found(rt, name));
        }
        // Created by PUT: whatever resourceVersion the body carried is dropped.
        obj["metadata"]
            .as_object_mut()
            .expect("decoded")
            .remove("resourceVersion");
        prepare_create(state, rt, &mut obj)?;
        return commit(state, obj, 201);
    };
    let stored_rv = existing["metadata"]["resourceVersion"].clone();
    match obj["metadata"]["resourceVersion"]
        .as_str()
        .filter(|v| !v.is_empty())
    {
        None if strategy.unconditional_update => {
            obj["metadata"]["resourceVersion"] = stored_rv.clone();
        }
        None => {
            return Err(ApiError::invalid(
                rt,
                &rt.plural,
                name,
                &[Cause {
                    reason: "FieldValueInvalid",
                    field: "metadata.resourceVersion".into(),
                    message: "Invalid value: 0x0: must be specified for an update".into(),
                }],
            ));
        }
        Some(rv) if Some(rv) != stored_rv.as_str() => {
            return Err(ApiError::conflict(rt, name, OPTIMISTIC_LOCK));
        }
        Some(_) => {}
    }
    // Fields the server owns survive any update.
    let meta = obj["metadata"].as_object_mut().expect("decoded");
    for k in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        match existing["metadata"].get(k) {
            Some(v) => meta.insert(k.into(), v.clone()),
            None => meta.remove(k),
        };
    }
    default_and_validate(rt, &mut obj)?;
    // Unchanged: etcd is not written, the version stays and watchers hear nothing.
    if obj == *existing {
        return Ok(Written {
            code: 200,
            body: obj,
            change: None,
        });
    }
    let last_finalizer_gone = !obj["metadata"]["deletionTimestamp"].is_null()
        && obj["metadata"]["finalizers"]
            .as_array()
            .is_none_or(Vec::is_empty);
    if last_finalizer_gone {
        let change = state
            .delete(&rt.api_version(), &rt.kind, namespace, name)
            .map_err(|_| ApiError::not_found(rt, name))?;
        return Ok(Written {
            code: 200,
            body: (*change.object).clone(),
            change: Some(change),
        });
    }
    commit(state, obj, 200)
}

fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .expect("rounding to seconds")
        .to_string()
}

fn commit(state: &mut State, obj: Value, code: u16) -> Result<Written, ApiError> {
    let change = state
        .apply(obj)
        .map_err(|e| ApiError::new(500, "InternalError", e.to_string()))?;
    Ok(Written {
        code,
        body: (*change.object).clone(),
        change: Some(change),
    })
}

/// The body as an object of the type: apiVersion and kind default to the URL's and must match
/// it when given.
fn decode(rt: &ResourceType, body: Value) -> Result<Value, ApiError> {
    let Value::Object(mut obj) = body else {
        return Err(ApiError::bad_request(format!(
            "the body of the request is not a {} object",
            rt.kind
        )));
    };
    let want = rt.api_version();
    match obj.get("apiVersion").and_then(Value::as_str) {
        None | Some("") => {}
        Some(v) if v == want => {}
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({want})"
            )));
        }
    }
    match obj.get("kind").and_then(Value::as_str) {
        None | Some("") => {}
        Some(k) if k == rt.kind => {}
        Some(k) => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                rt.kind
            )));
        }
    }
    obj.insert("apiVersion".into(), json!(want));
    obj.insert("kind".into(), json!(rt.kind));
    match obj.get("metadata") {
        None | Some(Value::Null) => {
            obj.insert("metadata".into(), json!({}));
        }
        Some(Value::Object(_)) => {}
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: metadata is not an object",
                rt.kind, rt.version, rt.kind
            )));
        }
    }
    Ok(Value::Object(obj))
}

/// The URL names the object; the body must name the same one.
fn check_name(obj: &Value, namespace: &str, name: &str) -> Result<(), ApiError> {
    let meta = &obj["metadata"];
    let given = meta["name"].as_str().unwrap_or_default();
    if given != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        )));
    }
    if let Some(ns) = meta["namespace"].as_str().filter(|n| !n.is_empty())
        && ns != namespace
    {
        return Err(ApiError::bad_request(format!(
            "the namespace of the object ({ns}) does not match the namespace on the URL ({namespace})"
        )));
    }
    Ok(())
}

/// What the real server does before storing a new object: a name from `generateName`, fields
/// it owns set afresh, defaults, validation. Returns the name.
fn prepare_create(state: &State, rt: &ResourceType, obj: &mut Value) -> Result<String, ApiError> {
    let meta = obj["metadata"].as_object_mut().expect("decoded");
    if meta
        .get("resourceVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| !v.is_empty())
    {
        // Not a classified error on the real server either: a 500 without a reason.
        return Err(ApiError::new(
            500,
            "",
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let name = meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = match meta.get("generateName").and_then(Value::as_str) {
        Some(base) if name.is_empty() && !base.is_empty() => {
            let generated = format!("{base}{}", suffix(state.rv));
            meta.insert("name".into(), json!(generated));
            generated
        }
        _ => name,
    };
    for k in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "resourceVersion",
    ] {
        meta.remove(k);
    }
    if name.is_empty() {
        return Err(ApiError::invalid(
            rt,
            &rt.kind,
            "",
            &[Cause {
                reason: "FieldValueRequired",
                field: "metadata.name".into(),
                message: "Required value: name or generateName is required".into(),
            }],
        ));
    }
    default_and_validate(rt, obj)?;
    Ok(name)
}

/// Five characters from the alphabet of the real server's name generator.
fn suffix(seed: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..5)
        .map(|_| {
            let c = ALPHABET[(x % ALPHABET.len() as u64) as usize] as char;
            x /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// The kind's defaults and validation, as on create and update.
fn default_and_validate(rt: &ResourceType, obj: &mut Value) -> Result<(), ApiError> {
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut causes = Vec::new();
    if !is_dns_subdomain(&name) {
        causes.push(Cause {
            reason: "FieldValueInvalid",
            field: "metadata.name".into(),
            message: format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower \
                 case alphanumeric characters, '-' or '.', and must start and end with an \
                 alphanumeric character (e.g. 'example.com', regex used for validation is \
                 '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ),
        });
    }
    let too_long = |field: &str| Cause {
        reason: "FieldValueTooLong",
        field: field.into(),
        message: format!("Too long: may not be more than {MAX_DATA_BYTES} bytes"),
    };
    match rt.kind.as_str() {
        "ConfigMap" => {
            let mut size = string_map_size(rt, &obj["data"], false)?;
            size += string_map_size(rt, &obj["binaryData"], true)?;
            if size > MAX_DATA_BYTES {
                causes.push(too_long("[]"));
            }
        }
        "Secret" => {
            // `stringData` is folded into `data` and never stored, as on the real server.
            if let Some(Value::Object(strings)) =
                obj.as_object_mut().and_then(|o| o.remove("stringData"))
            {
                let data = obj["data"]
                    .as_object_mut()
                    .map(std::mem::take)
                    .unwrap_or_default();
                let mut data: Map<String, Value> = data;
                for (k, v) in strings {
                    let Some(s) = v.as_str() else {
                        return Err(undecodable(rt, "stringData values must be strings"));
                    };
                    data.insert(k, json!(base64(s.as_bytes())));
                }
                obj["data"] = Value::Object(data);
            }
            if obj["type"].as_str().is_none_or(str::is_empty) {
                obj["type"] = json!("Opaque");
            }
            if string_map_size(rt, &obj["data"], true)? > MAX_DATA_BYTES {
                causes.push(too_long("data"));
            }
        }
        "Lease" => {
            if let Some(d) = obj["spec"].get("leaseDurationSeconds")
                && !d.is_null()
            {
                match d.as_i64() {
                    Some(n) if n > 0 => {}
                    Some(n) => causes.push(Cause {
                        reason: "FieldValueInvalid",
                        field: "spec.leaseDurationSeconds".into(),
                        message: format!("Invalid value: {n}: must be greater than 0"),
                    }),
                    None => {
                        return Err(undecodable(
                            rt,
                            "spec.leaseDurationSeconds must be an integer",
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(rt, &rt.kind, &name, &causes))
    }
}

fn undecodable(rt: &ResourceType, why: &str) -> ApiError {
    ApiError::bad_request(format!(
        "{} in version \"{}\" cannot be handled as a {}: {why}",
        rt.kind, rt.version, rt.kind
    ))
}

/// Bytes of keys and values of a string map; `encoded` values are base64 and count decoded.
fn string_map_size(rt: &ResourceType, map: &Value, encoded: bool) -> Result<usize, ApiError> {
    let Some(map) = map.as_object() else {
        return if map.is_null() {
            Ok(0)
        } else {
            Err(undecodable(rt, "data is not a map of strings"))
        };
    };
    let mut size = 0;
    for (k, v) in map {
        let Some(s) = v.as_str() else {
            return Err(undecodable(rt, "data is not a map of strings"));
        };
        size += k.len();
        size += if encoded {
            decoded_len(s)
                .map_err(|at| undecodable(rt, &format!("illegal base64 data at input byte {at}")))?
        } else {
            s.len()
        };
    }
    Ok(size)
}

/// The decoded length of standard, padded base64, or where it goes wrong.
fn decoded_len(s: &str) -> Result<usize, usize> {
    let b = s.as_bytes();
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    if let Some(at) = b[..b.len() - pad]
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/'))
    {
        return Err(at);
    }
    if pad > 2 || !b.len().is_multiple_of(4) {
        return Err(b.len().saturating_sub(pad));
    }
    Ok(b.len() / 4 * 3 - pad)
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let t = target.as_object_mut().expect("made an object");
    for (k, v) in patch {
        if v.is_null() {
            t.remove(k);
        } else {
            merge(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> (State, usize, usize) {
        let s = State::new(super::super::gitops_resources());
        let lease = s.resource_index("coordination.k8s.io/v1", "Lease").unwrap();
        let cm = s.resource_index("v1", "ConfigMap").unwrap();
        (s, lease, cm)
    }

    fn lease(name: &str, holder: &str) -> Value {
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
               "metadata": {"name": name}, "spec": {"holderIdentity": holder}})
    }

    fn rv(w: &Written) -> String {
        w.body["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn create_sets_what_the_server_owns_and_refuses_a_second() {
        let (mut s, lease_i, _) = state();
        let mut body = lease("herald", "a");
        body["metadata"]["uid"] = json!("client-chosen");
        let w = create(&mut s, lease_i, "herald", body).unwrap();
        assert_eq!(w.code, 201);
        let m = &w.body["metadata"];
        assert_eq!(m["namespace"], "herald");
        assert_ne!(m["uid"], "client-chosen");
        assert!(m["creationTimestamp"].is_string());
        assert_eq!(rv(&w), s.rv.to_string());
        let e = create(&mut s, lease_i, "herald", lease("herald", "b")).unwrap_err();
        assert_eq!(e.code, 409);
        assert_eq!(
            e.status(),
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "leases.coordination.k8s.io \"herald\" already exists",
                   "reason": "AlreadyExists", "code": 409,
                   "details": {"name": "herald", "group": "coordination.k8s.io", "kind": "leases"}})
        );
    }

    #[test]
    fn update_checks_the_resource_version() {
        let (mut s, lease_i, cm_i) = state();
        let first = create(&mut s, lease_i, "ns", lease("l", "a")).unwrap();
        let mut next = first.body.clone();
        next["spec"]["holderIdentity"] = json!("b");
        let second = update(&mut s, lease_i, "ns", "l", next.clone()).unwrap();
        assert_eq!(second.code, 200);
        assert_ne!(rv(&second), rv(&first));
        // The same body again carries the old version now.
        let e = update(&mut s, lease_i, "ns", "l", next.clone()).unwrap_err();
        assert_eq!((e.code, e.reason), (409, "Conflict"));
        assert_eq!(
            e.message,
            "Operation cannot be fulfilled on leases.coordination.k8s.io \"l\": the object has \
             been modified; please apply your changes to the latest version and try again"
        );
        // A Lease needs the version; a ConfigMap without one is overwritten.
        next["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("resourceVersion");
        let e = update(&mut s, lease_i, "ns", "l", next).unwrap_err();
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                        "data": {"k": "v"}});
        create(&mut s, cm_i, "ns", cm.clone()).unwrap();
        let w = update(
            &mut s,
            cm_i,
            "ns",
            "c",
            json!({"metadata": {"name": "c"}, "data": {"k": "w"}}),
        )
        .unwrap();
        assert_eq!(w.body["data"]["k"], "w");
    }

    #[test]
    fn put_creates_a_lease_but_not_a_config_map() {
        let (mut s, lease_i, cm_i) = state();
        let w = update(&mut s, lease_i, "ns", "l", lease("l", "a")).unwrap();
        assert_eq!(w.code, 201);
        let e = update(&mut s, cm_i, "ns", "c", json!({"metadata": {"name": "c"}})).unwrap_err();
        assert_eq!(e.status()["message"], "configmaps \"c\" not found");
        assert_eq!(
            e.status()["details"],
            json!({"name": "c", "kind": "configmaps"})
        );
    }

    #[test]
    fn an_unchanged_update_writes_nothing() {
        let (mut s, lease_i, _) = state();
        let w = create(&mut s, lease_i, "ns", lease("l", "a")).unwrap();
        let before = s.rv;
        let again = update(&mut s, lease_i, "ns", "l", w.body.clone()).unwrap();
        assert!(again.change.is_none());
        assert_eq!(s.rv, before);
        assert_eq!(rv(&again), rv(&w));
    }

    #[test]
    fn names_and_namespaces_must_match_the_url() {
        let (mut s, lease_i, _) = state();
        create(&mut s, lease_i, "ns", lease("l", "a")).unwrap();
        let e = update(&mut s, lease_i, "ns", "l", lease("other", "a")).unwrap_err();
        assert_eq!(e.code, 400);
        let mut body = lease("l", "a");
        body["metadata"]["namespace"] = json!("elsewhere");
        assert_eq!(create(&mut s, lease_i, "ns", body).unwrap_err().code, 400);
        let e = create(&mut s, lease_i, "ns", lease("Bad_Name", "a")).unwrap_err();
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        assert!(
            e.message
                .starts_with("Lease.coordination.k8s.io \"Bad_Name\" is invalid: metadata.name"),
            "{}",
            e.message
        );
        let e = create(&mut s, lease_i, "ns", json!({"kind": "ConfigMap"})).unwrap_err();
        assert_eq!(e.code, 400);
    }

    #[test]
    fn delete_honours_preconditions() {
        let (mut s, lease_i, _) = state();
        let w = create(&mut s, lease_i, "ns", lease("l", "a")).unwrap();
        let stale = json!({"preconditions": {"resourceVersion": "1"}});
        let e = delete(&mut s, lease_i, "ns", "l", Some(stale)).unwrap_err();
        assert_eq!(e.code, 409);
        assert!(e.message.starts_with(
            "Operation cannot be fulfilled on Lease.coordination.k8s.io \"l\": the \
             ResourceVersion in the precondition (1) does not match"
        ));
        let ok = json!({"preconditions": {"resourceVersion": rv(&w)}});
        let gone = delete(&mut s, lease_i, "ns", "l", Some(ok)).unwrap();
        assert_eq!(gone.body["status"], "Success");
        assert_eq!(gone.body["details"]["uid"], w.body["metadata"]["uid"]);
        let e = delete(&mut s, lease_i, "ns", "l", None).unwrap_err();
        assert_eq!(e.code, 404);
    }

    #[test]
    fn finalizers_hold_a_deleted_object_until_the_last_is_removed() {
        let (mut s, lease_i, _) = state();
        let mut body = lease("l", "a");
        body["metadata"]["finalizers"] = json!(["herald.io/handover"]);
        create(&mut s, lease_i, "ns", body).unwrap();
        let marked = delete(&mut s, lease_i, "ns", "l", None).unwrap();
        assert!(marked.body["metadata"]["deletionTimestamp"].is_string());
        assert_eq!(
            marked.change.unwrap().kind,
            super::super::state::ChangeKind::Modified
        );
        let again = delete(&mut s, lease_i, "ns", "l", None).unwrap();
        assert!(again.change.is_none());
        let gone = merge_patch(
            &mut s,
            lease_i,
            "ns",
            "l",
            json!({"metadata": {"finalizers": null}}),
        )
        .unwrap();
        assert_eq!(
            gone.change.unwrap().kind,
            super::super::state::ChangeKind::Deleted
        );
        assert!(s.get(lease_i, "ns", "l").is_none());
    }

    #[test]
    fn merge_patches_are_conditional_only_when_they_carry_a_version() {
        let (mut s, lease_i, _) = state();
        let w = create(&mut s, lease_i, "ns", lease("l", "a")).unwrap();
        let p = merge_patch(
            &mut s,
            lease_i,
            "ns",
            "l",
            json!({"spec": {"holderIdentity": "b", "leaseDurationSeconds": 15}}),
        )
        .unwrap();
        assert_eq!(
            p.body["spec"],
            json!({"holderIdentity": "b", "leaseDurationSeconds": 15})
        );
        let stale =
            json!({"metadata": {"resourceVersion": rv(&w)}, "spec": {"holderIdentity": null}});
        let e = merge_patch(&mut s, lease_i, "ns", "l", stale).unwrap_err();
        assert_eq!(e.reason, "Conflict");
        assert_eq!(
            merge_patch(&mut s, lease_i, "ns", "x", json!({}))
                .unwrap_err()
                .code,
            404
        );
    }

    #[test]
    fn data_is_limited_and_secrets_fold_string_data() {
        let (mut s, _, cm_i) = state();
        let big = "x".repeat(MAX_DATA_BYTES);
        let e = create(
            &mut s,
            cm_i,
            "ns",
            json!({"metadata": {"name": "big"}, "data": {"k": big}}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "ConfigMap \"big\" is invalid: []: Too long: may not be more than 1048576 bytes"
        );
        let secret_i = s.resource_index("v1", "Secret").unwrap();
        let w = create(
            &mut s,
            secret_i,
            "ns",
            json!({"metadata": {"name": "s"}, "stringData": {"a": "hello"}}),
        )
        .unwrap();
        assert_eq!(w.body["data"]["a"], "aGVsbG8=");
        assert_eq!(w.body["type"], "Opaque");
        assert!(w.body.get("stringData").is_none());
        let e = create(
            &mut s,
            secret_i,
            "ns",
            json!({"metadata": {"name": "t"}, "data": {"a": "no!"}}),
        )
        .unwrap_err();
        assert_eq!(e.code, 400);
    }

    #[test]
    fn base64_round_numbers() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(decoded_len("Zm8="), Ok(2));
        assert_eq!(decoded_len("Zm9v"), Ok(3));
        assert!(decoded_len("Zm8").is_err());
    }
}
