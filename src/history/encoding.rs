//! How a record is kept in the file: a compact binary form, about a third of its JSON (the
//! writer copies, checksums and writes every byte of it, issue 18). Records written before it
//! are JSON and still read: a JSON record begins with `{`, a binary one with [`VERSION`].
//!
//! The form: [`VERSION`]; the time (seconds, zigzag varint; nanoseconds, varint); the object's
//! group, kind, namespace and name; a tag (0 transition, 1 notification, 2 warning) and the
//! variant's fields in their declared order. A text is its length (varint) and its UTF-8 bytes;
//! an option a byte (0 none, 1 some) before the value; an event kind or a health its name, so
//! that reordering their enums never changes what a record says. A verdict is its health, a
//! byte of flags (ready, suspended, fromChildren, revision present, sync present), its status
//! and the texts present. A transition's `change` is kept as JSON text.
//!
//! Reading checks every length against what is left and every text's UTF-8, and refuses
//! anything left over: a damaged record reads as none (and is skipped, as a JSON record that
//! does not parse always was), never as another.

use jiff::Timestamp;

use super::{Record, Stored};
use crate::config::EventKind;
use crate::health::Health;
use crate::store::{ObjectKey, Verdict};

/// The first byte of a binary record (JSON's is `{`).
pub(super) const VERSION: u8 = 1;

const TRANSITION: u8 = 0;
const NOTIFICATION: u8 = 1;
const WARNING: u8 = 2;

const READY: u8 = 1;
const SUSPENDED: u8 = 2;
const FROM_CHILDREN: u8 = 4;
const REVISION: u8 = 8;
const SYNC: u8 = 16;

/// Appends `s` to `out`.
pub(super) fn encode(s: &Stored, out: &mut Vec<u8>) {
    out.push(VERSION);
    let nanos = s.at.as_nanosecond();
    varint(out, ((nanos << 1) ^ (nanos >> 127)) as u128);
    for part in [
        &s.object.group,
        &s.object.kind,
        &s.object.namespace,
        &s.object.name,
    ] {
        text(out, part);
    }
    match &s.record {
        Record::Transition {
            events,
            from,
            to,
            message,
            via,
            change,
        } => {
            out.push(TRANSITION);
            varint(out, events.len() as u64);
            for e in events {
                text(out, e.as_str());
            }
            for v in [from, to] {
                match v {
                    Some(v) => {
                        out.push(1);
                        verdict(out, v);
                    }
                    None => out.push(0),
                }
            }
            text(out, message);
            optional(out, via.as_deref());
            let change = change.as_ref().map(|c| c.to_string());
            optional(out, change.as_deref());
        }
        Record::Notification {
            event,
            receiver,
            route,
            outcome,
        } => {
            out.push(NOTIFICATION);
            text(out, event.as_str());
            text(out, receiver);
            text(out, route);
            text(out, outcome);
        }
        Record::Warning {
            reason,
            note,
            count,
        } => {
            out.push(WARNING);
            text(out, reason);
            text(out, note);
            varint(out, *count);
        }
    }
}

/// A record as kept: binary or JSON. None when it does not read.
pub(super) fn decode(bytes: &[u8]) -> Option<Stored> {
    match bytes.first() {
        Some(&VERSION) => {
            let mut r = Reader(&bytes[1..]);
            let s = r.stored()?;
            r.0.is_empty().then_some(s)
        }
        _ => serde_json::from_slice(bytes).ok(),
    }
}

/// The object a record is about, read without the rest (pruning needs no more).
pub(super) fn object(bytes: &[u8]) -> Option<ObjectKey> {
    match bytes.first() {
        Some(&VERSION) => {
            let mut r = Reader(&bytes[1..]);
            r.time()?;
            r.object()
        }
        _ => serde_json::from_slice::<Stored>(bytes)
            .ok()
            .map(|s| s.object),
    }
}

fn varint(out: &mut Vec<u8>, v: impl Into<u128>) {
    let mut v: u128 = v.into();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn text(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            text(out, s);
        }
        None => out.push(0),
    }
}

fn verdict(out: &mut Vec<u8>, v: &Verdict) {
    text(out, v.health.as_str());
    let mut flags = 0;
    for (on, bit) in [
        (v.ready, READY),
        (v.suspended, SUSPENDED),
        (v.from_children, FROM_CHILDREN),
        (v.revision.is_some(), REVISION),
        (v.sync.is_some(), SYNC),
    ] {
        if on {
            flags |= bit;
        }
    }
    out.push(flags);
    text(out, &v.status);
    if let Some(r) = &v.revision {
        text(out, r);
    }
    if let Some(s) = &v.sync {
        text(out, s);
    }
}

/// What is left of a record being read.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }

    fn varint(&mut self) -> Option<u64> {
        u64::try_from(self.varint_wide()?).ok()
    }

    /// A varint of at most 19 bytes (128 bits).
    fn varint_wide(&mut self) -> Option<u128> {
        let mut v: u128 = 0;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.varint()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (t, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(t).ok()
    }

    /// An option: a byte (0 none, 1 some), then what `read` reads.
    fn optional<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => read(self).map(Some),
            _ => None,
        }
    }

    fn time(&mut self) -> Option<Timestamp> {
        let z = self.varint_wide()?;
        let nanos = ((z >> 1) as i128) ^ -((z & 1) as i128);
        Timestamp::from_nanosecond(nanos).ok()
    }

    fn object(&mut self) -> Option<ObjectKey> {
        Some(ObjectKey::new(
            self.text()?,
            self.text()?,
            self.text()?,
            self.text()?,
        ))
    }

    fn event(&mut self) -> Option<EventKind> {
        let name = self.text()?;
        EventKind::ALL.into_iter().find(|e| e.as_str() == name)
    }

    fn verdict(&mut self) -> Option<Verdict> {
        let health = Health::parse(self.text()?)?;
        let flags = self.byte()?;
        if flags & !(READY | SUSPENDED | FROM_CHILDREN | REVISION | SYNC) != 0 {
            return None;
        }
        let status = self.text()?.to_string();
        let revision = if flags & REVISION != 0 {
            Some(self.text()?.to_string())
        } else {
            None
        };
        let sync = if flags & SYNC != 0 {
            Some(self.text()?.to_string())
        } else {
            None
        };
        Some(Verdict {
            health,
            ready: flags & READY != 0,
            status,
            revision,
            suspended: flags & SUSPENDED != 0,
            sync,
            from_children: flags & FROM_CHILDREN != 0,
        })
    }

    fn stored(&mut self) -> Option<Stored> {
        let at = self.time()?;
        let object = self.object()?;
        let record = match self.byte()? {
            TRANSITION => {
                let n = usize::try_from(self.varint()?).ok()?;
                // Each event takes two bytes at least: a count past that is damage.
                if n > self.0.len() / 2 {
                    return None;
                }
                let events = (0..n).map(|_| self.event()).collect::<Option<Vec<_>>>()?;
                let from = self.optional(Self::verdict)?;
                let to = self.optional(Self::verdict)?;
                let message = self.text()?.to_string();
                let via = self.optional(Self::text)?.map(str::to_string);
                let change = match self.optional(Self::text)? {
                    Some(json) => Some(serde_json::from_str(json).ok()?),
                    None => None,
                };
                Record::Transition {
                    events,
                    from,
                    to,
                    message,
                    via,
                    change,
                }
            }
            NOTIFICATION => Record::Notification {
                event: self.event()?,
                receiver: self.text()?.to_string(),
                route: self.text()?.to_string(),
                outcome: self.text()?.to_string(),
            },
            WARNING => Record::Warning {
                reason: self.text()?.to_string(),
                note: self.text()?.to_string(),
                count: self.varint()?,
            },
            _ => return None,
        };
        Some(Stored { at, object, record })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts() -> Vec<Option<Verdict>> {
        let mut out = vec![None];
        for (i, health) in Health::ALL.into_iter().enumerate() {
            out.push(Some(Verdict {
                health,
                ready: i % 2 == 0,
                status: ["", "Ready", "ReconciliationFailed", "é ünïcode ✓"][i].into(),
                revision: (i % 2 == 1).then(|| format!("main@sha1:{i:040}")),
                suspended: i == 2,
                sync: (i >= 2).then(|| "OutOfSync".into()),
                from_children: i == 3,
            }));
        }
        out
    }

    fn samples() -> Vec<Stored> {
        let times = [
            "2026-12-05T08:00:00Z",
            "2026-12-05T08:00:00.123456789Z",
            "1969-12-31T23:59:59.5Z",
            "1970-01-01T00:00:00Z",
            "9999-12-30T00:00:00.999999999Z",
        ];
        let objects = [
            ObjectKey::new("", "Pod", "shop", "web-7d9f8-0"),
            ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                &"long-".repeat(60),
            ),
        ];
        let mut out = Vec::new();
        let vs = verdicts();
        for (i, at) in times.iter().enumerate() {
            let at: Timestamp = at.parse().unwrap();
            let object = objects[i % 2].clone();
            for (j, (from, to)) in vs.iter().zip(vs.iter().rev()).enumerate() {
                out.push(Stored {
                    at,
                    object: object.clone(),
                    record: Record::Transition {
                        events: EventKind::ALL.iter().copied().take(j * 3).collect(),
                        from: from.clone(),
                        to: to.clone(),
                        message: "m".repeat(j * 100),
                        via: (j % 2 == 0).then(|| "Pod shop/web-0: back-off".into()),
                        change: (j == 1).then(
                            || serde_json::json!({"spec": {"replicas": [1, 3]}, "images": null}),
                        ),
                    },
                });
            }
            out.push(Stored {
                at,
                object: object.clone(),
                record: Record::Notification {
                    event: EventKind::ALL[i],
                    receiver: "slack".into(),
                    route: "team-a".into(),
                    outcome: "delivered".into(),
                },
            });
            out.push(Stored {
                at,
                object,
                record: Record::Warning {
                    reason: "BackOff".into(),
                    note: "Back-off restarting failed container".into(),
                    count: [0, 1, 127, 128, u64::MAX][i],
                },
            });
        }
        out
    }

    #[test]
    fn every_kind_of_record_reads_back_the_same_and_smaller_than_json() {
        let mut binary = 0;
        let mut json = 0;
        for s in samples() {
            let mut b = Vec::new();
            encode(&s, &mut b);
            assert_eq!(decode(&b).as_ref(), Some(&s), "{s:?}");
            assert_eq!(object(&b).as_ref(), Some(&s.object));
            binary += b.len();
            let j = serde_json::to_vec(&s).unwrap();
            json += j.len();
            // Records written before stay readable.
            assert_eq!(decode(&j).as_ref(), Some(&s));
            assert_eq!(object(&j).as_ref(), Some(&s.object));
        }
        assert!(
            binary * 10 < json * 7,
            "{binary} bytes against JSON's {json}"
        );
    }

    /// A record cut short, with a byte changed or with bytes added reads as none or as a
    /// record; reading never panics, and a record cut or lengthened never reads.
    #[test]
    fn damaged_records_read_as_none_without_panicking() {
        for s in samples().iter().step_by(3) {
            let mut b = Vec::new();
            encode(s, &mut b);
            for end in 0..b.len() {
                assert!(decode(&b[..end]).is_none(), "cut at {end}");
            }
            let mut longer = b.clone();
            longer.push(0);
            assert!(decode(&longer).is_none());
            for i in 1..b.len() {
                for x in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                    let mut d = b.clone();
                    d[i] = x;
                    let _ = decode(&d);
                    let _ = object(&d);
                }
            }
        }
        assert!(
            decode(&[
                VERSION, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ])
            .is_none()
        );
        assert!(decode(&[]).is_none());
    }
}
