//! The IRCv3 `server-time` tag value: UTC, millisecond precision,
//! `2026-12-06T15:04:05.123Z`. Pure: the caller passes the time (the core
//! takes `now` as a value, and history lines keep their original time).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Formats `time` for the `time` tag. Times before 1970 are written as the
/// epoch (linechat never has them).
pub fn format(time: SystemTime) -> String {
    format_since_epoch(time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO))
}

/// Formats a time given as the span since the Unix epoch.
pub fn format_since_epoch(since: Duration) -> String {
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since.subsec_millis()
    )
}

/// The time a `time` tag value (or a CHATHISTORY `timestamp=`) names:
/// `YYYY-MM-DDThh:mm:ss[.fff]Z`, UTC; `None` for anything else.
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(|p| p.parse::<u64>().ok());
    let (year, month, day) = (date.next()??, date.next()??, date.next()??);
    let (time, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut time = time.splitn(3, ':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (time.next()??, time.next()??, time.next()??);
    let valid = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && h < 24
        && m < 60
        && s < 61;
    if !valid || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = format!("{fraction:0<9}").parse::<u32>().ok()?;
    let secs = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

/// Days from 1970-01-01 to a date (the inverse of [`civil_from_days`]).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year % 400;
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era).saturating_sub(719_468)
}

/// Year, month and day of the `days`th day after 1970-01-01 (proleptic
/// Gregorian), by Howard Hinnant's `civil_from_days`, for days >= 0.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, millis: u64) -> String {
        format_since_epoch(Duration::from_secs(secs) + Duration::from_millis(millis))
    }

    #[test]
    fn known_instants() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_709_251_199, 999), "2024-02-29T23:59:59.999Z");
        assert_eq!(at(1_796_569_445, 123), "2026-12-06T15:04:05.123Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
        assert_eq!(format(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format(UNIX_EPOCH - Duration::from_secs(1)),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn parsing_reads_what_formatting_writes() {
        for (secs, millis) in [(0, 0), (951_782_400, 5), (1_796_569_445, 123)] {
            let time = UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis);
            assert_eq!(parse(&format(time)), Some(time));
        }
        assert_eq!(
            parse("2026-12-06T15:04:05Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1_796_569_445))
        );
        for bad in [
            "",
            "2026-12-06",
            "2026-13-06T15:04:05Z",
            "2026-12-06T15:04:05",
            "x-1-1T0:0:0Z",
            "2026-12-06T15:04:05.1a2Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_walk_the_calendar() {
        // Every day for 400 years: the date moves forward by exactly one day.
        let mut previous = civil_from_days(0);
        for days in 1..146_097 {
            let (y, m, d) = civil_from_days(days);
            let next_day = (y, m, d) == (previous.0, previous.1, previous.2 + 1);
            let next_month = (y, m, d) == (previous.0, previous.1 + 1, 1);
            let next_year = (y, m, d) == (previous.0 + 1, 1, 1);
            assert!(
                next_day || next_month || next_year,
                "{previous:?} -> {:?}",
                (y, m, d)
            );
            assert!(d <= 31 && (1..=12).contains(&m));
            previous = (y, m, d);
        }
    }
}
