//! Time intervals: when a route may speak (`activeTimeIntervals`) and when it must not
//! (`muteTimeIntervals`), as Alertmanager's `time_intervals`.
//!
//! One interval holds at a moment when every field it gives matches that moment in its
//! `location` (UTC unless given): `times` (`[start, end)` in minutes of the day), `weekdays`,
//! `daysOfMonth` (negative ones count from the month's end), `months` and `years`, each a list
//! of inclusive ranges. An interval that gives no field holds always. A named time interval
//! holds when one of its intervals does.
//!
//! Unlike Alertmanager, herald does not drop what a route would send while its window is
//! closed: it holds it until the window next opens ([`next_open`]), and then sends it only if
//! what it announces still holds (as a `waitFor` release).

use std::sync::Arc;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// How far ahead the next moment a route may speak is looked for; beyond, what it would send
/// is dropped with a warning.
pub const SEARCH_DAYS: i64 = 400;

/// A named time interval (`timeIntervals[]`).
#[derive(Debug, Clone)]
pub struct TimeInterval {
    pub name: String,
    pub intervals: Vec<Interval>,
}

/// One entry of a time interval's `intervals`. Empty lists match everything.
#[derive(Debug, Clone, Default)]
pub struct Interval {
    /// `[start, end)` in minutes of the day, `end` up to 1440.
    pub times: Vec<(u16, u16)>,
    /// Inclusive ranges of weekdays, Sunday 0 to Saturday 6.
    pub weekdays: Vec<(i8, i8)>,
    /// Inclusive ranges of days of the month, 1..31 or -31..-1 (from the month's end).
    pub days_of_month: Vec<(i8, i8)>,
    /// Inclusive ranges of months, 1..12.
    pub months: Vec<(i8, i8)>,
    /// Inclusive ranges of years.
    pub years: Vec<(i16, i16)>,
    /// Where the fields are read; `None` is UTC.
    pub location: Option<TimeZone>,
}

impl Interval {
    fn zone(&self) -> &TimeZone {
        static UTC: TimeZone = TimeZone::UTC;
        self.location.as_ref().unwrap_or(&UTC)
    }

    /// Whether the interval holds at `t` (Alertmanager's `ContainsTime`).
    pub fn contains(&self, t: Timestamp) -> bool {
        let dt = self.zone().to_datetime(t);
        let minute = u16::try_from(i32::from(dt.hour()) * 60 + i32::from(dt.minute())).unwrap_or(0);
        if !self.times.is_empty() && !self.times.iter().any(|&(s, e)| s <= minute && minute < e) {
            return false;
        }
        if !self.days_of_month.is_empty() && !self.days_of_month.iter().any(|&r| day_in(r, dt)) {
            return false;
        }
        let within = |ranges: &[(i8, i8)], v: i8| ranges.iter().any(|&(a, b)| a <= v && v <= b);
        if !self.months.is_empty() && !within(&self.months, dt.month()) {
            return false;
        }
        if !self.weekdays.is_empty()
            && !within(&self.weekdays, dt.weekday().to_sunday_zero_offset())
        {
            return false;
        }
        if !self.years.is_empty()
            && !self
                .years
                .iter()
                .any(|&(a, b)| a <= dt.year() && dt.year() <= b)
        {
            return false;
        }
        true
    }
}

/// A day-of-month range against a date, as Alertmanager reads it: negative days count from the
/// month's end; a range starting after the month's end matches nothing; the end is clamped.
fn day_in((begin, end): (i8, i8), dt: DateTime) -> bool {
    let days = i32::from(dt.days_in_month());
    let from_end = |d: i8| {
        let d = i32::from(d);
        if d < 0 { days + d + 1 } else { d }
    };
    let (begin, end) = (from_end(begin), from_end(end));
    if begin > days {
        return false;
    }
    let (begin, end) = (begin.clamp(-days, days), end.clamp(-days, days));
    let day = i32::from(dt.day());
    begin <= day && day <= end
}

impl TimeInterval {
    /// Whether one of its intervals holds at `t`.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.intervals.iter().any(|i| i.contains(t))
    }
}

/// Why a route may not speak at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// One of its `muteTimeIntervals` holds (the first that does).
    Muted(String),
    /// None of its `activeTimeIntervals` holds (their names).
    Inactive(Vec<String>),
}

impl Closed {
    /// For metrics: `muted` or `inactive`.
    pub fn reason(&self) -> &'static str {
        match self {
            Closed::Muted(_) => "muted",
            Closed::Inactive(_) => "inactive",
        }
    }
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Closed::Muted(name) => write!(f, "muted by {name}"),
            Closed::Inactive(names) => write!(f, "outside {}", names.join(", ")),
        }
    }
}

/// A route's windows: it may speak while one of `active` holds (or always, when there is
/// none), and never while one of `mute` holds.
#[derive(Debug, Clone, Copy)]
pub struct Windows<'a> {
    pub active: &'a [Arc<TimeInterval>],
    pub mute: &'a [Arc<TimeInterval>],
}

impl Windows<'_> {
    /// Whether the route has any time interval at all.
    pub fn any(&self) -> bool {
        !self.active.is_empty() || !self.mute.is_empty()
    }

    /// Why the route may not speak at `t`; `None` when it may.
    pub fn closed(&self, t: Timestamp) -> Option<Closed> {
        if let Some(m) = self.mute.iter().find(|m| m.contains(t)) {
            return Some(Closed::Muted(m.name.clone()));
        }
        if !self.active.is_empty() && !self.active.iter().any(|a| a.contains(t)) {
            return Some(Closed::Inactive(
                self.active.iter().map(|a| a.name.clone()).collect(),
            ));
        }
        None
    }

    /// The first moment at or after `from` when the route may speak, looked for up to
    /// [`SEARCH_DAYS`] ahead; `None` if there is none that soon.
    pub fn next_open(&self, from: Timestamp) -> Option<Timestamp> {
        if self.closed(from).is_none() {
            return Some(from);
        }
        // Whether the route may speak changes only where one of its intervals' local clocks
        // reads a minute some `times` starts or ends at, or midnight, and at the zones'
        // transitions (DST). Those moments are tried in order, a week at a time.
        let all = || {
            self.active
                .iter()
                .chain(self.mute)
                .flat_map(|t| &t.intervals)
        };
        let mut zones: Vec<TimeZone> = vec![TimeZone::UTC];
        for i in all() {
            if !zones.contains(i.zone()) {
                zones.push(i.zone().clone());
            }
        }
        let mut marks: Vec<u16> = vec![0];
        marks.extend(all().flat_map(|i| i.times.iter().flat_map(|&(s, e)| [s, e])));
        marks.retain(|m| *m < 24 * 60);
        marks.sort_unstable();
        marks.dedup();
        let week = SignedDuration::from_hours(24 * 7);
        let limit = from
            .checked_add(SignedDuration::from_hours(24 * SEARCH_DAYS))
            .ok()?;
        let mut start = from;
        while start < limit {
            let end = start.checked_add(week).ok()?.min(limit);
            let mut moments = Vec::new();
            for zone in &zones {
                let first = zone.to_datetime(start).date().yesterday().ok()?;
                let last = zone.to_datetime(end).date().tomorrow().ok()?;
                let mut day: Date = first;
                while day <= last {
                    for &m in &marks {
                        let dt = day.at((m / 60) as i8, (m % 60) as i8, 0, 0);
                        let at = zone.to_ambiguous_timestamp(dt);
                        moments.extend(at.earlier().ok());
                        moments.extend(at.later().ok());
                    }
                    day = day.tomorrow().ok()?;
                }
                moments.extend(
                    zone.following(start)
                        .map(|t| t.timestamp())
                        .take_while(|t| *t < end),
                );
            }
            moments.retain(|t| *t > from && start <= *t && *t < end);
            moments.sort_unstable();
            moments.dedup();
            if let Some(t) = moments.into_iter().find(|t| self.closed(*t).is_none()) {
                return Some(t);
            }
            start = end;
        }
        None
    }
}

/// `HH:MM` (00:00 to 23:59, and 24:00 for an end) in minutes of the day.
pub fn parse_time(s: &str) -> Result<u16, String> {
    let bad = || format!("{s:?} is not a time of day: write HH:MM, from 00:00 to 24:00");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// `startTime` and `endTime` as `[start, end)` minutes; the end must come after the start (a
/// range across midnight is written as two).
pub fn parse_times(start: &str, end: &str) -> Result<(u16, u16), (bool, String)> {
    let s = parse_time(start).map_err(|e| (true, e))?;
    if s == 24 * 60 {
        return Err((true, format!("{start:?}: a start must be before 24:00")));
    }
    let e = parse_time(end).map_err(|e| (false, e))?;
    if e <= s {
        return Err((
            false,
            format!(
                "{end:?} is not after the start {start:?}: write a range across midnight as two, ending at 24:00 and starting at 00:00"
            ),
        ));
    }
    Ok((s, e))
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `a` or `a:b`, each end read by `one`; the start may not come after the end.
fn range<T: PartialOrd + Copy>(
    s: &str,
    one: impl Fn(&str) -> Result<T, String>,
    order: impl Fn(T, T) -> bool,
    what: &str,
) -> Result<(T, T), String> {
    let s = s.trim();
    let (a, b) = match s.split_once(':') {
        Some((a, b)) => (one(a.trim())?, one(b.trim())?),
        None => {
            let a = one(s)?;
            (a, a)
        }
    };
    if !order(a, b) {
        return Err(format!("{s:?}: the start {what} comes after the end"));
    }
    Ok((a, b))
}

/// `monday`, `monday:friday` (names, any case; Sunday is 0).
pub fn parse_weekdays(s: &str) -> Result<(i8, i8), String> {
    let one = |d: &str| {
        WEEKDAYS
            .iter()
            .position(|w| w.eq_ignore_ascii_case(d))
            .map(|i| i as i8)
            .ok_or_else(|| format!("{d:?} is not a weekday: write monday, ..., sunday"))
    };
    range(s, one, |a, b| a <= b, "day")
}

/// `january`, `1`, `march:may`, `3:5`.
pub fn parse_months(s: &str) -> Result<(i8, i8), String> {
    let one = |m: &str| {
        if let Ok(n) = m.parse::<i8>() {
            return if (1..=12).contains(&n) {
                Ok(n)
            } else {
                Err(format!("{m:?} is not a month: write 1 to 12 or a name"))
            };
        }
        MONTHS
            .iter()
            .position(|x| x.eq_ignore_ascii_case(m))
            .map(|i| i as i8 + 1)
            .ok_or_else(|| format!("{m:?} is not a month: write january, ..., december or 1 to 12"))
    };
    range(s, one, |a, b| a <= b, "month")
}

/// `1`, `-1` (the last day), `20:31`, `-7:-1`. Like Alertmanager, the order of a range with
/// negative days is checked as if the month had 30 days.
pub fn parse_days_of_month(s: &str) -> Result<(i8, i8), String> {
    let one = |d: &str| match d.parse::<i8>() {
        Ok(n) if n != 0 && (-31..=31).contains(&n) => Ok(n),
        _ => Err(format!(
            "{d:?} is not a day of the month: write 1 to 31, or -1 (the last day) to -31"
        )),
    };
    let order = |a: i8, b: i8| {
        let day = |d: i8| if d < 1 { 30 + d } else { d };
        day(a) <= day(b)
    };
    range(s, one, order, "day")
}

/// `2026`, `2026:2027`.
pub fn parse_years(s: &str) -> Result<(i16, i16), String> {
    let one = |y: &str| match y.parse::<i16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{y:?} is not a year")),
    };
    range(s, one, |a, b| a <= b, "year")
}

/// An IANA time zone name (`Europe/Berlin`, `UTC`), from the system's database
/// (`/usr/share/zoneinfo`, `TZDIR`) or, where it lacks the zone or there is none (a distroless
/// or scratch image), the copy built into herald (jiff's `tzdb-bundle-always`).
pub fn parse_location(s: &str) -> Result<TimeZone, String> {
    if s.eq_ignore_ascii_case("utc") {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(s)
        .or_else(|_| jiff::tz::TimeZoneDatabase::bundled().get(s))
        .map_err(|_| {
            format!("{s:?} is not a time zone: write an IANA name such as Europe/Berlin or UTC")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn named(name: &str, intervals: Vec<Interval>) -> Arc<TimeInterval> {
        Arc::new(TimeInterval {
            name: name.into(),
            intervals,
        })
    }

    fn business_hours(zone: &str) -> Interval {
        Interval {
            weekdays: vec![parse_weekdays("monday:friday").unwrap()],
            times: vec![parse_times("09:00", "17:00").unwrap()],
            location: Some(parse_location(zone).unwrap()),
            ..Interval::default()
        }
    }

    #[test]
    fn an_interval_without_fields_holds_always_and_a_name_without_intervals_never() {
        let t = ts("2026-12-03T04:05:06Z");
        assert!(Interval::default().contains(t));
        assert!(!named("none", vec![]).contains(t));
        assert!(named("all", vec![Interval::default()]).contains(t));
    }

    #[test]
    fn times_are_start_inclusive_end_exclusive_and_may_end_at_24() {
        let i = Interval {
            times: vec![
                parse_times("09:00", "17:00").unwrap(),
                parse_times("22:00", "24:00").unwrap(),
            ],
            ..Interval::default()
        };
        for (at, want) in [
            ("2026-12-03T08:59:59Z", false),
            ("2026-12-03T09:00:00Z", true),
            ("2026-12-03T16:59:59Z", true),
            ("2026-12-03T17:00:00Z", false),
            ("2026-12-03T23:59:59Z", true),
            ("2026-12-04T00:00:00Z", false),
        ] {
            assert_eq!(i.contains(ts(at)), want, "{at}");
        }
    }

    #[test]
    fn weekday_ranges_in_a_zone() {
        let i = business_hours("Europe/Berlin");
        // 2026-12-04 is a Friday; Berlin is UTC+1 in winter.
        assert!(
            i.contains(ts("2026-12-04T08:00:00Z")),
            "09:00 Friday in Berlin"
        );
        assert!(!i.contains(ts("2026-12-04T16:00:00Z")), "17:00 in Berlin");
        assert!(!i.contains(ts("2026-12-05T10:00:00Z")), "Saturday");
        assert!(
            !i.contains(ts("2026-12-07T07:59:00Z")),
            "08:59 Monday in Berlin"
        );
        assert!(i.contains(ts("2026-12-07T08:00:00Z")));
        // Sunday through Saturday is one range; single days and names in any case.
        assert_eq!(parse_weekdays("sunday:saturday"), Ok((0, 6)));
        assert_eq!(parse_weekdays("Saturday"), Ok((6, 6)));
        assert!(
            parse_weekdays("friday:monday")
                .unwrap_err()
                .contains("comes after")
        );
        assert!(parse_weekdays("mon").unwrap_err().contains("not a weekday"));
    }

    #[test]
    fn days_of_month_count_from_the_end_when_negative() {
        let last = Interval {
            days_of_month: vec![parse_days_of_month("-1").unwrap()],
            ..Interval::default()
        };
        assert!(last.contains(ts("2026-02-28T12:00:00Z")));
        assert!(!last.contains(ts("2026-02-27T12:00:00Z")));
        assert!(last.contains(ts("2028-02-29T12:00:00Z")), "leap year");
        assert!(last.contains(ts("2026-12-31T12:00:00Z")));
        let late = Interval {
            days_of_month: vec![parse_days_of_month("20:31").unwrap()],
            ..Interval::default()
        };
        assert!(
            late.contains(ts("2026-02-28T00:00:00Z")),
            "clamped to February's end"
        );
        assert!(!late.contains(ts("2026-03-19T00:00:00Z")));
        let last_week = Interval {
            days_of_month: vec![parse_days_of_month("-7:-1").unwrap()],
            ..Interval::default()
        };
        assert!(last_week.contains(ts("2026-04-24T00:00:00Z")));
        assert!(!last_week.contains(ts("2026-04-23T00:00:00Z")));
        // A range that starts after a short month's end matches nothing in it.
        let thirty_first = Interval {
            days_of_month: vec![parse_days_of_month("31").unwrap()],
            ..Interval::default()
        };
        assert!(!thirty_first.contains(ts("2026-04-30T00:00:00Z")));
        assert!(thirty_first.contains(ts("2026-05-31T00:00:00Z")));
        assert!(parse_days_of_month("0").is_err());
        assert!(parse_days_of_month("32").is_err());
        assert!(
            parse_days_of_month("31:1")
                .unwrap_err()
                .contains("comes after")
        );
        assert_eq!(parse_days_of_month("1:-1"), Ok((1, -1)));
    }

    #[test]
    fn months_and_years() {
        assert_eq!(parse_months("December"), Ok((12, 12)));
        assert_eq!(parse_months("3:may"), Ok((3, 5)));
        assert!(parse_months("13").is_err());
        assert!(
            parse_months("december:january")
                .unwrap_err()
                .contains("comes after")
        );
        assert_eq!(parse_years("2026:2027"), Ok((2026, 2027)));
        assert!(parse_years("2027:2026").is_err());
        let freeze = Interval {
            days_of_month: vec![parse_days_of_month("20:31").unwrap()],
            months: vec![parse_months("december").unwrap()],
            years: vec![parse_years("2026:2027").unwrap()],
            ..Interval::default()
        };
        assert!(freeze.contains(ts("2026-12-24T12:00:00Z")));
        assert!(freeze.contains(ts("2027-12-31T23:59:59Z")));
        assert!(!freeze.contains(ts("2028-12-24T12:00:00Z")));
        assert!(!freeze.contains(ts("2026-11-24T12:00:00Z")));
        assert!(!freeze.contains(ts("2026-12-19T23:59:59Z")));
    }

    #[test]
    fn times_are_checked() {
        assert_eq!(parse_times("00:00", "24:00"), Ok((0, 1440)));
        assert!(
            parse_times("17:00", "09:00")
                .unwrap_err()
                .1
                .contains("not after the start")
        );
        assert!(parse_times("09:00", "09:00").is_err());
        assert!(
            parse_times("24:00", "24:00").unwrap_err().0,
            "the start is wrong"
        );
        assert!(parse_time("9:00").is_err());
        assert!(parse_time("24:01").is_err());
        assert!(parse_time("12:60").is_err());
        assert!(parse_location("Mars/Olympus").is_err());
    }

    #[test]
    fn the_time_zone_database_is_built_in() {
        let bundled = jiff::tz::TimeZoneDatabase::bundled();
        assert!(!bundled.is_definitively_empty());
        let berlin = bundled.get("Europe/Berlin").unwrap();
        let at = ts("2026-03-29T01:00:00Z");
        assert_eq!(
            berlin.to_datetime(at).hour(),
            3,
            "summer time from 02:00 CET"
        );
        assert!(bundled.get("America/New_York").is_ok());
    }

    #[test]
    fn zones_follow_daylight_saving_time() {
        // Berlin goes from UTC+1 to UTC+2 on 2026-03-29 at 02:00 local (01:00 UTC).
        let i = business_hours("Europe/Berlin");
        assert!(i.contains(ts("2026-03-27T08:00:00Z")), "Friday 09:00 CET");
        assert!(i.contains(ts("2026-03-27T15:30:00Z")), "Friday 16:30 CET");
        assert!(!i.contains(ts("2026-03-30T06:59:00Z")), "Monday 08:59 CEST");
        assert!(i.contains(ts("2026-03-30T07:00:00Z")), "Monday 09:00 CEST");
        assert!(!i.contains(ts("2026-03-30T15:30:00Z")), "Monday 17:30 CEST");
        // The day of the change has 23 hours: 00:00 to 03:00 local is two hours long.
        let night = Interval {
            times: vec![parse_times("00:00", "03:00").unwrap()],
            location: Some(parse_location("Europe/Berlin").unwrap()),
            ..Interval::default()
        };
        assert!(night.contains(ts("2026-03-28T23:00:00Z")));
        assert!(night.contains(ts("2026-03-29T00:59:59Z")));
        assert!(!night.contains(ts("2026-03-29T01:00:00Z")), "03:00 CEST");
    }

    #[test]
    fn the_next_open_moment() {
        let bh = [named(
            "business-hours",
            vec![business_hours("Europe/Berlin")],
        )];
        let w = Windows {
            active: &bh,
            mute: &[],
        };
        // Inside: now.
        let t = ts("2026-12-03T10:00:00Z");
        assert_eq!(w.next_open(t), Some(t));
        // Thursday evening: Friday 09:00 Berlin.
        assert_eq!(
            w.next_open(ts("2026-12-03T18:30:00Z")),
            Some(ts("2026-12-04T08:00:00Z"))
        );
        assert_eq!(
            w.closed(ts("2026-12-03T18:30:00Z")),
            Some(Closed::Inactive(vec!["business-hours".into()]))
        );
        // Friday evening: Monday.
        assert_eq!(
            w.next_open(ts("2026-12-04T16:00:00Z")),
            Some(ts("2026-12-07T08:00:00Z"))
        );
        // Across the change to summer time: Monday 09:00 is 07:00 UTC.
        assert_eq!(
            w.next_open(ts("2026-03-27T17:00:00Z")),
            Some(ts("2026-03-30T07:00:00Z"))
        );
        // A mute over the active one: the freeze ends with December 31st (in UTC).
        let freeze = [named(
            "freeze",
            vec![Interval {
                days_of_month: vec![parse_days_of_month("20:31").unwrap()],
                months: vec![parse_months("december").unwrap()],
                ..Interval::default()
            }],
        )];
        let w = Windows {
            active: &bh,
            mute: &freeze,
        };
        assert_eq!(
            w.closed(ts("2026-12-21T10:00:00Z")),
            Some(Closed::Muted("freeze".into()))
        );
        // January 1st 2027 is a Friday.
        assert_eq!(
            w.next_open(ts("2026-12-21T10:00:00Z")),
            Some(ts("2027-01-01T08:00:00Z"))
        );
        // Mute only: it opens as the mute ends.
        let w = Windows {
            active: &[],
            mute: &freeze,
        };
        assert_eq!(
            w.next_open(ts("2026-12-21T10:00:00Z")),
            Some(ts("2027-01-01T00:00:00Z"))
        );
        // Never open within the bound: none.
        let always = [named("always", vec![Interval::default()])];
        let w = Windows {
            active: &[],
            mute: &always,
        };
        assert_eq!(w.next_open(ts("2026-12-21T10:00:00Z")), None);
        let past = [named(
            "past",
            vec![Interval {
                years: vec![parse_years("2020").unwrap()],
                ..Interval::default()
            }],
        )];
        let w = Windows {
            active: &past,
            mute: &[],
        };
        assert_eq!(w.next_open(ts("2026-12-21T10:00:00Z")), None);
    }

    #[test]
    fn the_next_open_moment_inside_a_dst_gap_and_fold() {
        // 02:30 does not exist in Berlin on 2026-03-29: an interval from 02:30 opens when the
        // clock jumps to 03:00 (01:00 UTC).
        let night = [named(
            "night",
            vec![Interval {
                times: vec![parse_times("02:30", "04:00").unwrap()],
                location: Some(parse_location("Europe/Berlin").unwrap()),
                ..Interval::default()
            }],
        )];
        let w = Windows {
            active: &night,
            mute: &[],
        };
        assert_eq!(
            w.next_open(ts("2026-03-28T22:00:00Z")),
            Some(ts("2026-03-29T01:00:00Z"))
        );
        // 02:30 happens twice on 2026-10-25 (02:00 to 03:00 CEST, then again in CET): the first.
        assert_eq!(
            w.next_open(ts("2026-10-24T22:00:00Z")),
            Some(ts("2026-10-25T00:30:00Z"))
        );
        // Muted from 02:30 to 03:00 local, which happens twice that night: the mute ends when
        // the clock goes back from 03:00 CEST to 02:00 CET, and again at 03:00 CET.
        let mute = [named(
            "m",
            vec![Interval {
                times: vec![parse_times("02:30", "03:00").unwrap()],
                location: Some(parse_location("Europe/Berlin").unwrap()),
                ..Interval::default()
            }],
        )];
        let w = Windows {
            active: &[],
            mute: &mute,
        };
        // 00:45 UTC is 02:45 CEST: muted; at 01:00 UTC the clock reads 02:00 CET: open.
        assert_eq!(
            w.next_open(ts("2026-10-25T00:45:00Z")),
            Some(ts("2026-10-25T01:00:00Z"))
        );
        // 01:45 UTC is 02:45 CET: muted again until 03:00 CET.
        assert_eq!(
            w.next_open(ts("2026-10-25T01:45:00Z")),
            Some(ts("2026-10-25T02:00:00Z"))
        );
    }
}
