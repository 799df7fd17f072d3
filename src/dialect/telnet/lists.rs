//! The words of the lists in the telnet dialect: who is in a room (the
//! welcome, `/who`) and the rooms (`/rooms`).

use crate::chat::{Online, RoomList, Status};
use std::fmt::Write;
use std::time::Duration;

/// Appends `N online: a, b (idle 3m), c (unreachable) and K more`.
pub(super) fn online(list: &Online, out: &mut String) {
    let _ = write!(out, "{} online: ", list.count);
    for (i, (name, status)) in list.shown.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        let _ = match status {
            Status::Plain => Ok(()),
            Status::Idle(idle) => write!(out, " (idle {})", short_duration(*idle)),
            Status::Away(idle) => write!(out, " (idle {}, away)", short_duration(*idle)),
            Status::Unreachable => out.write_str(" (unreachable)"),
        };
    }
    if list.count > list.shown.len() {
        let _ = write!(out, " and {} more", list.count - list.shown.len());
    }
}

/// Appends `N rooms: #a (3), #b (1) and K more`.
pub(super) fn rooms(list: &RoomList, out: &mut String) {
    let plural = if list.total == 1 { "" } else { "s" };
    let _ = write!(out, "{} room{plural}: ", list.total);
    for (i, (name, count)) in list.shown.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match list.owned.contains(name) {
            true => _ = write!(out, "{name} ({count}, owned)"),
            false => _ = write!(out, "{name} ({count})"),
        }
    }
    if list.total > list.shown.len() {
        let _ = write!(out, " and {} more", list.total - list.shown.len());
    }
}

/// `12s`, `3m`, `5h`, `2d`: the largest whole unit.
fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_times_use_the_largest_unit() {
        assert_eq!(short_duration(Duration::from_secs(5)), "5s");
        assert_eq!(short_duration(Duration::from_secs(185)), "3m");
        assert_eq!(short_duration(Duration::from_secs(7300)), "2h");
        assert_eq!(short_duration(Duration::from_secs(200_000)), "2d");
    }

    #[test]
    fn room_lists_count_what_they_do_not_show() {
        let mut out = String::new();
        let one = RoomList {
            total: 1,
            shown: vec![("#lobby".into(), 2)],
            owned: vec![],
        };
        rooms(&one, &mut out);
        assert_eq!(out, "1 room: #lobby (2)");
        out.clear();
        let many = RoomList {
            total: 30,
            shown: vec![("#a".into(), 3), ("#b".into(), 1)],
            owned: vec!["#b".into()],
        };
        rooms(&many, &mut out);
        assert_eq!(out, "30 rooms: #a (3), #b (1, owned) and 28 more");
    }
}
