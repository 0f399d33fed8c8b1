//! Local date-times in a clinic's IANA zone to instants with their offset, across DST:
//! a time that does not exist (the spring-forward gap) is an error; one that happens twice
//! (the fall-back hour) takes the earlier instant and leaves a note.

use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::dates::{DateReader, excel_serial, looks_like_serial};
use super::syntax::DatetimeOptions;
use super::{Env, Note, Value, parts};

#[derive(Debug, Clone, PartialEq)]
pub struct DatetimeReader {
    zone: Tz,
    dates: DateReader,
}

impl DatetimeReader {
    pub fn new(options: &DatetimeOptions, env: &Env) -> Result<Self, String> {
        let zone: Tz = options.zone.parse().map_err(|_| {
            format!(
                "'{}' is not an IANA time zone (use a name such as America/New_York)",
                options.zone
            )
        })?;
        Ok(DatetimeReader {
            zone,
            dates: DateReader {
                format: options.date_format.unwrap_or_default(),
                pivot: options.pivot.unwrap_or_default(),
                today: env.today,
            },
        })
    }

    /// One text holding date and time, or a list [date, time].
    pub fn apply(&self, value: Value, notes: &mut Vec<Note>) -> Result<Value, String> {
        let local = match parts(&value)?.as_slice() {
            [None] | [None, _] => return Ok(Value::Missing),
            [Some(one)] => self.read_one(one)?,
            [Some(_), None] => return Err("the time column is missing".to_string()),
            [Some(date), Some(time)] => self.date(date)?.and_time(read_time(time)?),
            _ => return Err("expects one date-time or two columns [date, time]".to_string()),
        };
        self.place(local, notes).map(Value::Text)
    }

    fn date(&self, text: &str) -> Result<NaiveDate, String> {
        self.dates.read(text)
    }

    /// `YYYYMMDDHHMM[SS]`, an Excel serial with a fraction, or a date and a time separated
    /// by a space or `T`.
    fn read_one(&self, text: &str) -> Result<NaiveDateTime, String> {
        let text = text.trim();
        if text.bytes().all(|b| b.is_ascii_digit()) && matches!(text.len(), 12 | 14) {
            let date = self.dates_compact(&text[..8])?;
            return Ok(date.and_time(read_time(&text[8..])?));
        }
        if text.contains('.') && looks_like_serial(text) {
            let (date, fraction) = excel_serial(text)?;
            return Ok(date.and_time(time_of_fraction(fraction)?));
        }
        let Some((date, time)) = text.split_once([' ', 'T']) else {
            return Err("has no time of day".to_string());
        };
        Ok(self.date(date)?.and_time(read_time(time)?))
    }

    fn dates_compact(&self, text: &str) -> Result<NaiveDate, String> {
        DateReader {
            format: super::DateFormat::Compact,
            ..self.dates.clone()
        }
        .read(text)
    }

    fn place(&self, local: NaiveDateTime, notes: &mut Vec<Note>) -> Result<String, String> {
        let instant = match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) => t,
            LocalResult::Ambiguous(earlier, _) => {
                notes.push(Note::new(
                    "transform.datetime.ambiguous",
                    format!(
                        "the local time happens twice in {} that day (DST ends); the earlier instant was taken",
                        self.zone.name()
                    ),
                ));
                earlier
            }
            LocalResult::None => {
                return Err(format!(
                    "time does not exist in {} on that day (DST gap)",
                    self.zone.name()
                ));
            }
        };
        Ok(instant.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
    }
}

/// `9:30 AM`, `09:30`, `0930`, `930`, `21:05:30`, `9 PM`, or an Excel day fraction.
pub fn read_time(text: &str) -> Result<NaiveTime, String> {
    let text = text.trim();
    let not = || "not a time of day (such as 09:30, 0930 or 9:30 AM)".to_string();
    if text.starts_with("0.") || text.starts_with('.') {
        let fraction = text.parse::<f64>().map_err(|_| not())?;
        return time_of_fraction(fraction);
    }
    let upper = text.to_ascii_uppercase();
    let (clock, meridiem) = if let Some(rest) = upper.strip_suffix("AM").or(upper.strip_suffix("A"))
    {
        (rest.trim_end(), Some(false))
    } else if let Some(rest) = upper.strip_suffix("PM").or(upper.strip_suffix("P")) {
        (rest.trim_end(), Some(true))
    } else {
        (upper.as_str(), None)
    };
    let fields: Vec<&str> = if clock.contains(':') {
        clock.split(':').collect()
    } else {
        match clock.len() {
            1 | 2 if meridiem.is_some() => vec![clock],
            3 => vec![&clock[..1], &clock[1..]],
            4 => vec![&clock[..2], &clock[2..]],
            6 => vec![&clock[..2], &clock[2..4], &clock[4..]],
            _ => return Err(not()),
        }
    };
    let n = |s: &str| super::dates::number(s, 2);
    let (hour, minute, second) = match fields.as_slice() {
        [h] => (n(h), Some(0), Some(0)),
        [h, m] if m.len() == 2 => (n(h), n(m), Some(0)),
        [h, m, s] if m.len() == 2 && s.len() == 2 => (n(h), n(m), n(s)),
        _ => return Err(not()),
    };
    let (Some(mut hour), Some(minute), Some(second)) = (hour, minute, second) else {
        return Err(not());
    };
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hour) {
            return Err("hour must be 1 to 12 with AM or PM".to_string());
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(|| "no such time of day".to_string())
}

/// A fraction of a day (0.5 is noon), to the nearest second.
fn time_of_fraction(fraction: f64) -> Result<NaiveTime, String> {
    if !(0.0..1.0).contains(&fraction) {
        return Err("a day fraction must be at least 0 and below 1".to_string());
    }
    let seconds = (fraction * 86_400.0).round() as u32;
    // 0.9999999 rounds to midnight of the next day; keep it on this day.
    NaiveTime::from_num_seconds_from_midnight_opt(seconds.min(86_399), 0)
        .ok_or_else(|| "no such time of day".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(zone: &str) -> DatetimeReader {
        let env = Env {
            today: NaiveDate::from_ymd_opt(2025, 1, 1).expect("a real date"),
            ..Env::default()
        };
        let options = DatetimeOptions {
            zone: zone.into(),
            date_format: None,
            pivot: None,
        };
        DatetimeReader::new(&options, &env).expect("a known zone")
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn pair(d: &str, t: &str) -> Value {
        Value::List(vec![text(d), text(t)])
    }

    #[test]
    fn new_york_across_both_dst_changes() {
        let ny = reader("America/New_York");
        let cases: Vec<(Value, Result<&str, &str>)> = vec![
            (text("202401150930"), Ok("2024-01-15T09:30:00-05:00")),
            (text("20240115093015"), Ok("2024-01-15T09:30:15-05:00")),
            (text("2024-07-04 14:00"), Ok("2024-07-04T14:00:00-04:00")),
            (text("2024-07-04T14:00:00"), Ok("2024-07-04T14:00:00-04:00")),
            (text("07/04/2024 02:15 PM"), Ok("2024-07-04T14:15:00-04:00")),
            (text("45292.395833"), Ok("2024-01-01T09:30:00-05:00")),
            // Spring forward: 2024-03-10 02:00 jumps to 03:00.
            (pair("03/10/2024", "01:59"), Ok("2024-03-10T01:59:00-05:00")),
            (
                pair("03/10/2024", "2:30 AM"),
                Err("time does not exist in America/New_York on that day (DST gap)"),
            ),
            (
                pair("03/10/2024", "9:30 AM"),
                Ok("2024-03-10T09:30:00-04:00"),
            ),
            // Fall back: 2024-11-03 01:00–02:00 happens twice; the earlier is taken.
            (pair("11/3/2024", "0130"), Ok("2024-11-03T01:30:00-04:00")),
            (pair("11/3/2024", "0230"), Ok("2024-11-03T02:30:00-05:00")),
            (pair("20241104", "930"), Ok("2024-11-04T09:30:00-05:00")),
            (
                pair("2024-12-24", "21:05:30"),
                Ok("2024-12-24T21:05:30-05:00"),
            ),
            (pair("45292", "0.395833"), Ok("2024-01-01T09:30:00-05:00")),
            (pair("1/1/24", "12:00 AM"), Ok("2024-01-01T00:00:00-05:00")),
            (pair("1/1/24", "12:15 PM"), Ok("2024-01-01T12:15:00-05:00")),
            (Value::List(vec![Value::Missing, text("09:30")]), Ok("")),
            (
                Value::List(vec![text("1/1/24"), Value::Missing]),
                Err("the time column is missing"),
            ),
            (pair("1/1/24", "25:00"), Err("no such time of day")),
            (
                pair("1/1/24", "13:00 PM"),
                Err("hour must be 1 to 12 with AM or PM"),
            ),
            (
                pair("1/1/24", "noon"),
                Err("not a time of day (such as 09:30, 0930 or 9:30 AM)"),
            ),
            (pair("2/30/24", "09:30"), Err("no such calendar date")),
            (text("2024-01-15"), Err("has no time of day")),
        ];
        for (input, expected) in cases {
            let mut notes = Vec::new();
            let got = ny.apply(input.clone(), &mut notes);
            let expected = expected.map(|s| {
                if s.is_empty() {
                    Value::Missing
                } else {
                    Value::Text(s.into())
                }
            });
            assert_eq!(got, expected.map_err(str::to_string), "input {input:?}");
        }
    }

    #[test]
    fn the_fall_back_hour_leaves_a_note() {
        let mut notes = Vec::new();
        let got = reader("America/New_York").apply(pair("11/03/2024", "1:30 AM"), &mut notes);
        assert_eq!(got, Ok(text("2024-11-03T01:30:00-04:00")));
        assert_eq!(notes.len(), 1, "one note for the ambiguous time");
        assert_eq!(notes[0].rule, "transform.datetime.ambiguous");
        assert!(
            !notes[0].message.contains("1:30"),
            "the note must not echo the value"
        );
    }

    #[test]
    fn phoenix_has_no_dst() {
        let az = reader("America/Phoenix");
        let mut notes = Vec::new();
        for (date, time, expected) in [
            ("03/10/2024", "02:30", "2024-03-10T02:30:00-07:00"),
            ("07/04/2024", "09:00", "2024-07-04T09:00:00-07:00"),
            ("11/03/2024", "01:30", "2024-11-03T01:30:00-07:00"),
        ] {
            assert_eq!(
                az.apply(pair(date, time), &mut notes),
                Ok(text(expected)),
                "Phoenix stays at -07:00 on {date}"
            );
        }
        assert!(notes.is_empty());
    }

    #[test]
    fn unknown_zone_is_refused_when_compiled() {
        let options = DatetimeOptions {
            zone: "Eastern".into(),
            date_format: None,
            pivot: None,
        };
        assert!(DatetimeReader::new(&options, &Env::default()).is_err());
    }

    #[test]
    fn a_date_format_settles_ambiguous_dates() {
        let env = Env::default();
        let options = DatetimeOptions {
            zone: "Europe/London".into(),
            date_format: Some(super::super::DateFormat::DayMonthYear),
            pivot: None,
        };
        let london = DatetimeReader::new(&options, &env).expect("a known zone");
        assert_eq!(
            london.apply(pair("04/07/2024", "10:00"), &mut Vec::new()),
            Ok(text("2024-07-04T10:00:00+01:00"))
        );
    }
}
