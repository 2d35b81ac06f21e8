//! Working days in the Netherlands: weekends and the algemeen erkende feestdagen of the
//! Algemene termijnenwet, art. 3 lid 1 (Nieuwjaarsdag, tweede Paas- en Pinksterdag, beide
//! Kerstdagen, Hemelvaartsdag, Koningsdag and 5 mei). Eerste Paas- en Pinksterdag fall on a
//! Sunday and are weekend days anyway.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Easter Sunday of `year` (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher).
pub fn pasen(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Koningsdag: 27 april, or 26 april when the 27th is a Sunday (Wet viering Koningsdag).
fn koningsdag(year: i32) -> Option<NaiveDate> {
    let d = NaiveDate::from_ymd_opt(year, 4, 27)?;
    Some(if d.weekday() == Weekday::Sun {
        d - Duration::days(1)
    } else {
        d
    })
}

/// Whether `date` is an algemeen erkende feestdag (Algemene termijnenwet art. 3 lid 1).
pub fn is_feestdag(date: NaiveDate) -> bool {
    let (y, m, d) = (date.year(), date.month(), date.day());
    if matches!((m, d), (1, 1) | (5, 5) | (12, 25) | (12, 26)) {
        return true;
    }
    if koningsdag(y) == Some(date) {
        return true;
    }
    match pasen(y) {
        Some(p) => [1, 39, 50]
            .iter()
            .any(|offset| p + Duration::days(*offset) == date),
        None => false,
    }
}

/// Whether `date` is a working day: not a Saturday, Sunday or feestdag.
pub fn is_werkdag(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_feestdag(date)
}

/// The date `n` working days after `start` (the start day itself does not count).
pub fn plus_werkdagen(start: NaiveDate, n: u32) -> Option<NaiveDate> {
    let mut date = start;
    let mut left = n;
    while left > 0 {
        date = date.succ_opt()?;
        if is_werkdag(date) {
            left -= 1;
        }
    }
    Some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates_match_the_calendar() {
        assert_eq!(pasen(2024), Some(d(2024, 3, 31)));
        assert_eq!(pasen(2025), Some(d(2025, 4, 20)));
        assert_eq!(pasen(2026), Some(d(2026, 4, 5)));
    }

    #[test]
    fn feestdagen_of_the_algemene_termijnenwet() {
        // Algemene termijnenwet art. 3 lid 1, for 2026.
        for day in [
            d(2026, 1, 1),
            d(2026, 4, 6),  // tweede Paasdag
            d(2026, 4, 27), // Koningsdag
            d(2026, 5, 5),  // Bevrijdingsdag
            d(2026, 5, 14), // Hemelvaartsdag
            d(2026, 5, 25), // tweede Pinksterdag
            d(2026, 12, 25),
            d(2026, 12, 26),
        ] {
            assert!(is_feestdag(day), "{day}");
            assert!(!is_werkdag(day), "{day}");
        }
        // 2025: 27 april is a Sunday, so Koningsdag is on Saturday the 26th.
        assert!(is_feestdag(d(2025, 4, 26)));
        assert!(!is_feestdag(d(2025, 4, 28)));
        assert!(is_werkdag(d(2026, 4, 7)));
    }

    #[test]
    fn working_days_skip_weekends_and_feestdagen() {
        // Friday 2026-04-03 + 1 working day: Saturday, Sunday, tweede Paasdag skipped.
        assert_eq!(plus_werkdagen(d(2026, 4, 3), 1), Some(d(2026, 4, 7)));
        // 10 working days from Monday 2026-12-21: 22,23,24,28,29,30,31, 2027-01-04,05,06.
        assert_eq!(plus_werkdagen(d(2026, 12, 21), 10), Some(d(2027, 1, 6)));
        assert_eq!(plus_werkdagen(d(2026, 12, 21), 0), Some(d(2026, 12, 21)));
    }
}
