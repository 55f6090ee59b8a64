//! Calendar arithmetic in the store's time zone: periods (hour, day, month, year) as local
//! wall-clock ranges, the buckets that exactly cover a range, and the real instants where a
//! local time starts, found exactly from the zone's offsets (a local time in a gap starts at the
//! gap's end, however long the gap: a skipped day has no instants). Pure: no I/O.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

/// Bucket granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    Hour,
    Day,
    Month,
    Year,
    All,
}

impl Grain {
    pub const PERIODIC: [Grain; 4] = [Grain::Hour, Grain::Day, Grain::Month, Grain::Year];

    pub fn name(self) -> &'static str {
        match self {
            Grain::Hour => "hour",
            Grain::Day => "day",
            Grain::Month => "month",
            Grain::Year => "year",
            Grain::All => "all",
        }
    }

    pub fn parse(name: &str) -> Option<Grain> {
        Some(match name {
            "hour" => Grain::Hour,
            "day" | "date" => Grain::Day,
            "month" => Grain::Month,
            "year" => Grain::Year,
            _ => return None,
        })
    }
}

/// One calendar period: `2023-10-08T13`, `2023-10-08`, `2023-10`, `2023`, or `ALL`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bucket {
    pub grain: Grain,
    pub period: String,
}

impl Bucket {
    pub fn all() -> Bucket {
        Bucket { grain: Grain::All, period: "ALL".into() }
    }

    /// The bucket of `grain` containing the local time `local`.
    pub fn containing(grain: Grain, local: NaiveDateTime) -> Bucket {
        let period = match grain {
            Grain::Hour => local.format("%Y-%m-%dT%H").to_string(),
            Grain::Day => local.format("%Y-%m-%d").to_string(),
            Grain::Month => local.format("%Y-%m").to_string(),
            Grain::Year => local.format("%Y").to_string(),
            Grain::All => "ALL".into(),
        };
        Bucket { grain, period }
    }

    /// Parses a period written as the contract writes it, for a given grain.
    pub fn parse(grain: Grain, period: &str) -> Option<Bucket> {
        let start = period_start(grain, period)?;
        let bucket = Bucket::containing(grain, start);
        (bucket.period == period).then_some(bucket)
    }

    /// The first local instant of the period.
    pub fn start(&self) -> Option<NaiveDateTime> {
        period_start(self.grain, &self.period)
    }

    /// The first local instant after the period.
    pub fn end(&self) -> Option<NaiveDateTime> {
        self.start().map(|s| next_start(self.grain, s))
    }

    /// The period before this one (for compare).
    pub fn previous(&self) -> Option<Bucket> {
        let start = self.start()?;
        let before = match self.grain {
            Grain::Hour => start - Duration::hours(1),
            Grain::Day => start - Duration::days(1),
            Grain::Month | Grain::Year => start - Duration::days(1),
            Grain::All => return None,
        };
        Some(Bucket::containing(self.grain, before))
    }
}

fn period_start(grain: Grain, period: &str) -> Option<NaiveDateTime> {
    let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    let num = |s: &str| -> Option<u32> {
        if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() { s.parse().ok() } else { None }
    };
    if !period.is_ascii() {
        return None; // and so every byte index below is a character boundary
    }
    match grain {
        Grain::Year if period.len() == 4 => Some(date(num(period)? as i32, 1, 1)?.and_time(NaiveTime::MIN)),
        Grain::Month if period.len() == 7 && &period[4..5] == "-" => {
            Some(date(num(&period[..4])? as i32, num(&period[5..])?, 1)?.and_time(NaiveTime::MIN))
        }
        Grain::Day if period.len() == 10 => {
            Some(NaiveDate::parse_from_str(period, "%Y-%m-%d").ok()?.and_time(NaiveTime::MIN))
        }
        Grain::Hour if period.len() == 13 && &period[10..11] == "T" => {
            let day = NaiveDate::parse_from_str(&period[..10], "%Y-%m-%d").ok()?;
            let hour = num(&period[11..])?;
            (hour < 24).then(|| day.and_hms_opt(hour, 0, 0)).flatten()
        }
        Grain::All if period == "ALL" => NaiveDate::from_ymd_opt(1, 1, 1).map(|d| d.and_time(NaiveTime::MIN)),
        _ => None,
    }
}

/// A half-open local-time range `[start, end)`, both on hour boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalRange {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

fn floor_hour(t: NaiveDateTime) -> NaiveDateTime {
    t.date().and_hms_opt(t.hour(), 0, 0).expect("valid hour")
}

impl LocalRange {
    /// The local hours touched by the UTC instants `from..=to` (inclusive): counters resolve
    /// hours, so a range is widened to whole hours.
    pub fn from_instants(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> LocalRange {
        let start = floor_hour(from.with_timezone(&tz).naive_local());
        let end = floor_hour(to.with_timezone(&tz).naive_local()) + Duration::hours(1);
        LocalRange { start, end: end.max(start) }
    }

    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// How many periods of `grain` the range touches, counted without listing them (a bound
    /// is checked on this before any are).
    pub fn periods(&self, grain: Grain) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let last = self.end - Duration::hours(1);
        let months = |t: NaiveDateTime| i64::from(t.year()) * 12 + i64::from(t.month0());
        let count = match grain {
            Grain::Hour => (self.end - self.start).num_hours(),
            Grain::Day => (last.date() - self.start.date()).num_days() + 1,
            Grain::Month => months(last) - months(self.start) + 1,
            Grain::Year => i64::from(last.year() - self.start.year()) + 1,
            Grain::All => 1,
        };
        count.max(0) as u64
    }
}

fn next_start(grain: Grain, start: NaiveDateTime) -> NaiveDateTime {
    match grain {
        Grain::Hour => start + Duration::hours(1),
        Grain::Day => start + Duration::days(1),
        Grain::Month => {
            let (y, m) = if start.month() == 12 { (start.year() + 1, 1) } else { (start.year(), start.month() + 1) };
            NaiveDate::from_ymd_opt(y, m, 1).map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN))
        }
        Grain::Year => {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1).map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN))
        }
        Grain::All => NaiveDateTime::MAX,
    }
}

fn starts_period(grain: Grain, t: NaiveDateTime) -> bool {
    Bucket::containing(grain, t).start() == Some(t)
}

/// The coarsest buckets that exactly cover `range`: whole years, then months, then days, then
/// hours, in time order.
pub fn cover(range: LocalRange) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut t = range.start;
    while t < range.end {
        let grain = [Grain::Year, Grain::Month, Grain::Day]
            .into_iter()
            .find(|g| starts_period(*g, t) && next_start(*g, t) <= range.end)
            .unwrap_or(Grain::Hour);
        out.push(Bucket::containing(grain, t));
        t = next_start(grain, t);
    }
    out
}

/// Splits `range` at the boundaries of `grain`: one `(period, part)` per period it touches.
pub fn split_by(range: LocalRange, grain: Grain) -> Vec<(Bucket, LocalRange)> {
    let mut out = Vec::new();
    let mut t = range.start;
    while t < range.end {
        let bucket = Bucket::containing(grain, t);
        let period_end = next_start(grain, bucket.start().expect("a bucket has a start"));
        let end = period_end.min(range.end);
        out.push((bucket, LocalRange { start: t, end }));
        t = end;
    }
    out
}

fn floor_to(grain: Grain, t: NaiveDateTime) -> NaiveDateTime {
    let d = t.date();
    let date = match grain {
        Grain::Hour => return d.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        Grain::Day | Grain::All => d,
        Grain::Month => d.with_day(1).unwrap_or(d),
        Grain::Year => d.with_day(1).and_then(|d| d.with_month(1)).unwrap_or(d),
    };
    date.and_time(NaiveTime::MIN)
}

fn ceil_to(grain: Grain, t: NaiveDateTime) -> NaiveDateTime {
    let floor = floor_to(grain, t);
    if floor == t { t } else { next_start(grain, floor) }
}

/// `range` with its end moved forward to the end of its period of the coarsest grain
/// [`cover_runs`] may use (`max`, a year at most). For a range that ends where sales end (a
/// summary's horizon: no sale is dated after it) the buckets added are empty, so every total is
/// the same, and fewer, coarser runs cover it: a summary up to today reads this month's counter
/// rather than the counters of its days.
pub fn extend_to_period_end(range: LocalRange, max: Grain) -> LocalRange {
    let coarsest = max.min(Grain::Year);
    LocalRange { start: range.start, end: ceil_to(coarsest, range.end).max(range.end) }
}

/// Consecutive buckets of one grain, `first..=last`: one Query of a counter partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub grain: Grain,
    pub first: Bucket,
    pub last: Bucket,
}

/// The coarsest runs of buckets, none coarser than `max`, that exactly cover `range` (whole
/// local hours), in time order. Computed without listing buckets: any range is at most seven
/// runs (hours, days, months, years, months, days, hours).
pub fn cover_runs(range: LocalRange, max: Grain) -> Vec<Run> {
    fn go(start: NaiveDateTime, end: NaiveDateTime, grains: &[Grain], out: &mut Vec<Run>) {
        let Some((&grain, finer)) = grains.split_first() else { return };
        if start >= end {
            return;
        }
        let run = |a: NaiveDateTime, b: NaiveDateTime| Run {
            grain,
            first: Bucket::containing(grain, a),
            last: Bucket::containing(grain, b - Duration::hours(1)),
        };
        if finer.is_empty() {
            out.push(run(start, end));
            return;
        }
        let (a, b) = (ceil_to(grain, start), floor_to(grain, end));
        if a < b {
            go(start, a, finer, out);
            out.push(run(a, b));
            go(b, end, finer, out);
        } else {
            go(start, end, finer, out);
        }
    }
    let grains: Vec<Grain> =
        [Grain::Year, Grain::Month, Grain::Day, Grain::Hour].into_iter().filter(|g| *g <= max).collect();
    let mut out = Vec::new();
    go(range.start, range.end, &grains, &mut out);
    out
}

/// The first instant whose local time in `tz` is `local` or later: `local` itself (the earlier
/// of a repeated one), or, when `local` falls in a gap (clocks going forward), the end of the
/// gap, found exactly whatever the gap's length (Pacific/Apia skipped all of 2011-12-30;
/// Asia/Kathmandu 00:00-00:15 of 1986-01-01): a binary search, to the second (tzdb transitions
/// fall on whole seconds), for the first instant whose local time is at least `local`. Every
/// UTC offset is within +-18 hours, so that instant lies within 18 hours of `local` read as
/// UTC, and inside that window the local time only jumps forward across `local` (a gap has no
/// repeated time, so no fold brings it back below).
pub fn first_instant_at_or_after(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return t.with_timezone(&Utc);
    }
    let local_at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&tz).naive_local());
    let reach = 18 * 3600;
    let utc = local.and_utc().timestamp();
    // local_at(low) < local <= local_at(high), narrowed until they are one second apart.
    let (mut low, mut high) = (utc - reach, utc + reach);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        match local_at(mid) {
            Some(t) if t >= local => high = mid,
            _ => low = mid,
        }
    }
    DateTime::from_timestamp(high, 0).unwrap_or_else(|| local.and_utc())
}

/// The instants `[start, end)` whose local time falls in the local hour starting at `hour`: one
/// real hour, two when clocks go back (the hour repeats), none in a gap.
pub fn hour_interval(hour: NaiveDateTime, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (first_instant_at_or_after(hour, tz), first_instant_at_or_after(hour + Duration::hours(1), tz))
}

/// An exact time window `[from, to)` split into what counters answer and what they cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The whole local hours inside the window: answered by counters.
    pub core: Option<LocalRange>,
    /// At most two partial local hours at the edges (a bound inside an hour, or inside one
    /// occurrence of a repeated hour): `[start, end)` instants whose sales are read one by one.
    pub edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Splits the instants `[from, to)` into whole local hour buckets and partial edges, so that
/// every instant in the window is counted once and no instant outside it is.
pub fn split_window(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Window {
    let mut window = Window { core: None, edges: Vec::new() };
    if from >= to {
        return window;
    }
    let first_hour = floor_to(Grain::Hour, from.with_timezone(&tz).naive_local());
    let last_hour = floor_to(Grain::Hour, (to - Duration::microseconds(1)).with_timezone(&tz).naive_local());
    let (first_start, first_end) = hour_interval(first_hour, tz);
    let (last_start, last_end) = hour_interval(last_hour, tz);
    if first_hour == last_hour {
        if first_start == from && last_end == to {
            window.core = Some(LocalRange { start: first_hour, end: first_hour + Duration::hours(1) });
        } else {
            window.edges.push((from, to));
        }
        return window;
    }
    let mut core_start = first_hour;
    if first_start < from {
        window.edges.push((from, first_end.min(to)));
        core_start = first_hour + Duration::hours(1);
    }
    let mut core_end = last_hour + Duration::hours(1);
    if last_end > to {
        window.edges.push((last_start.max(from), to));
        core_end = last_hour;
    }
    if core_start < core_end {
        window.core = Some(LocalRange { start: core_start, end: core_end });
    }
    window
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A bucket written as grain initial and period (`M#2023-10`), to compare lists of them.
    pub(crate) fn label(bucket: &Bucket) -> String {
        let initial = bucket.grain.name()[..1].to_ascii_uppercase();
        format!("{initial}#{}", bucket.period)
    }

    pub(crate) fn periods(buckets: &[Bucket]) -> Vec<String> {
        buckets.iter().map(label).collect()
    }

    #[test]
    fn a_range_ending_at_the_horizon_is_covered_by_whole_periods() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let range = LocalRange { start: at("2024-12-01T00:00"), end: at("2026-11-27T00:00") };
        assert_eq!(cover_runs(range, Grain::Month).len(), 2, "months, then the days of November");
        let months = cover_runs(extend_to_period_end(range, Grain::Month), Grain::Month);
        assert_eq!(months.len(), 1);
        assert_eq!((months[0].first.period.as_str(), months[0].last.period.as_str()), ("2024-12", "2026-11"));
        let years = extend_to_period_end(range, Grain::All);
        assert_eq!(years.end, at("2027-01-01T00:00"));
        assert_eq!(extend_to_period_end(range, Grain::Day), range, "already a whole day");
        assert_eq!(extend_to_period_end(range, Grain::Hour), range);
    }

    #[test]
    fn a_range_counts_its_periods_as_split_by_lists_them() {
        let at = |date: &str, hour: u32| {
            NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().and_hms_opt(hour, 0, 0).unwrap()
        };
        let range = |a: (&str, u32), b: (&str, u32)| LocalRange { start: at(a.0, a.1), end: at(b.0, b.1) };
        let r = range(("2022-12-31", 22), ("2024-01-02", 1));
        assert_eq!(r.periods(Grain::Year), 3);
        assert_eq!(r.periods(Grain::Month), 14);
        assert_eq!(r.periods(Grain::Day), 368);
        assert_eq!(r.periods(Grain::Hour), 2 + 365 * 24 + 24 + 1);
        assert_eq!(split_by(r, Grain::Day).len() as u64, r.periods(Grain::Day));
        assert_eq!(split_by(r, Grain::Month).len() as u64, r.periods(Grain::Month));
        assert_eq!(range(("2023-01-01", 5), ("2023-01-01", 5)).periods(Grain::Day), 0);
    }

    #[test]
    fn periods_parse_only_in_their_canonical_form() {
        assert_eq!(label(&Bucket::parse(Grain::Month, "2023-10").unwrap()), "M#2023-10");
        // Multi-byte text of the right byte length is not a period (and does not panic).
        assert!(Bucket::parse(Grain::Month, "20€-10").is_none());
        assert!(Bucket::parse(Grain::Hour, "2023-10-0€13").is_none());
        assert_eq!(label(&Bucket::parse(Grain::Hour, "2023-10-08T13").unwrap()), "H#2023-10-08T13");
        for (grain, bad) in [
            (Grain::Month, "2023-1"),
            (Grain::Month, "2023-13"),
            (Grain::Day, "2023-02-30"),
            (Grain::Year, "23"),
            (Grain::Hour, "2023-10-08T24"),
            (Grain::Year, "2023-10"),
        ] {
            assert!(Bucket::parse(grain, bad).is_none(), "{bad}");
        }
        assert_eq!(Bucket::parse(Grain::Month, "2023-01").unwrap().previous().unwrap().period, "2022-12");
        assert_eq!(Bucket::parse(Grain::Day, "2024-03-01").unwrap().previous().unwrap().period, "2024-02-29");
        assert_eq!(Bucket::parse(Grain::Year, "2023").unwrap().previous().unwrap().period, "2022");
    }

    #[test]
    fn cover_uses_the_coarsest_exact_buckets() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let range = LocalRange { start: at("2021-12-30T22:00"), end: at("2024-02-02T03:00") };
        let c = cover(range);
        assert_eq!(
            periods(&c),
            [
                "H#2021-12-30T22",
                "H#2021-12-30T23",
                "D#2021-12-31",
                "Y#2022",
                "Y#2023",
                "M#2024-01",
                "D#2024-02-01",
                "H#2024-02-02T00",
                "H#2024-02-02T01",
                "H#2024-02-02T02",
            ]
        );
        let months = LocalRange { start: at("2022-01-01T00:00"), end: at("2024-01-01T00:00") };
        assert_eq!(periods(&cover(months)), ["Y#2022", "Y#2023"]);
        assert!(cover(LocalRange { start: at("2022-01-01T00:00"), end: at("2022-01-01T00:00") }).is_empty());
    }

    #[test]
    fn split_by_cuts_at_period_boundaries() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let parts = split_by(LocalRange { start: at("2023-01-15T00:00"), end: at("2023-03-10T00:00") }, Grain::Month);
        let names: Vec<String> = parts.iter().map(|(b, _)| b.period.clone()).collect();
        assert_eq!(names, ["2023-01", "2023-02", "2023-03"]);
        assert_eq!(parts[1].1, LocalRange { start: at("2023-02-01T00:00"), end: at("2023-03-01T00:00") });
        assert_eq!(parts[2].1.end, at("2023-03-10T00:00"));
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        crate::time::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn a_local_time_in_a_gap_starts_at_the_gaps_end_however_long_the_gap() {
        // Pacific/Apia went from -10:00 to +14:00 after 2011-12-29T23:59:59: 2011-12-30 never was.
        let apia = chrono_tz::Pacific::Apia;
        assert_eq!(first_instant_at_or_after(at("2011-12-29T00:00"), apia), utc("2011-12-29T10:00:00Z"));
        assert_eq!(first_instant_at_or_after(at("2011-12-30T00:00"), apia), utc("2011-12-30T10:00:00Z"));
        assert_eq!(first_instant_at_or_after(at("2011-12-30T13:00"), apia), utc("2011-12-30T10:00:00Z"));
        assert_eq!(first_instant_at_or_after(at("2011-12-31T00:00"), apia), utc("2011-12-30T10:00:00Z"));
        assert_eq!(first_instant_at_or_after(at("2011-12-31T01:00"), apia), utc("2011-12-30T11:00:00Z"));
        // The skipped day's hours are empty; the day before has all its 24.
        let (s, e) = hour_interval(at("2011-12-30T05:00"), apia);
        assert_eq!((s, e), (utc("2011-12-30T10:00:00Z"), utc("2011-12-30T10:00:00Z")));
        let (s, e) = hour_interval(at("2011-12-29T23:00"), apia);
        assert_eq!((s, e), (utc("2011-12-30T09:00:00Z"), utc("2011-12-30T10:00:00Z")));
        // Asia/Kathmandu went from +05:30 to +05:45 at 1986-01-01T00:00: the day starts at 00:15.
        let kathmandu = chrono_tz::Asia::Kathmandu;
        assert_eq!(first_instant_at_or_after(at("1986-01-01T00:00"), kathmandu), utc("1985-12-31T18:30:00Z"));
        assert_eq!(first_instant_at_or_after(at("1985-12-31T00:00"), kathmandu), utc("1985-12-30T18:30:00Z"));
        // Where the local time exists, it is itself (the earlier of a repeated one).
        let ny = chrono_tz::America::New_York;
        assert_eq!(first_instant_at_or_after(at("2023-11-05T01:00"), ny), utc("2023-11-05T05:00:00Z"));
        assert_eq!(first_instant_at_or_after(at("2023-03-12T02:30"), ny), utc("2023-03-12T07:00:00Z"));
    }

    #[test]
    fn a_window_around_a_skipped_day_splits_into_ordered_parts() {
        let apia = chrono_tz::Pacific::Apia;
        let w = split_window(utc("2011-12-30T09:59:59.999999Z"), utc("2011-12-30T10:00:00.000001Z"), apia);
        for (a, b) in &w.edges {
            assert!(a <= b, "{a} <= {b}");
        }
        assert_eq!(w.edges.len(), 2, "{w:?}");
    }
}
