//! What `LIST` may be narrowed to (IRC's ELIST=MNU): rooms whose name
//! matches a mask (`#ch*`, `*an1`), does not match one (`!*an1`), or has
//! more or fewer members than a number (`>1`, `<100`). Pure.

use super::RoomInfo;
use super::modes::wildcard_matches;

/// The conditions of one `LIST`, from its comma list: a room is listed if
/// it matches one of the masks (when there are any) and every other
/// condition.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ListFilter<'a> {
    masks: Vec<&'a str>,
    not_masks: Vec<&'a str>,
    more_than: Option<usize>,
    fewer_than: Option<usize>,
}

impl<'a> ListFilter<'a> {
    /// The conditions of `LIST conditions` (empty: every room). A condition
    /// linechat cannot judge (creation or topic time, `C<n`, `T>n`) lists
    /// nothing rather than everything.
    pub fn parse(conditions: &'a str) -> ListFilter<'a> {
        let mut filter = ListFilter::default();
        for condition in conditions.split(',').filter(|c| !c.is_empty()) {
            let number = |n: &str| n.parse::<usize>().ok();
            if let Some(n) = condition.strip_prefix('>') {
                filter.more_than = Some(number(n).unwrap_or(usize::MAX));
            } else if let Some(n) = condition.strip_prefix('<') {
                filter.fewer_than = Some(number(n).unwrap_or(0));
            } else if let Some(mask) = condition.strip_prefix('!') {
                filter.not_masks.push(mask);
            } else if condition.starts_with(['C', 'T']) && condition[1..].starts_with(['<', '>']) {
                filter.fewer_than = Some(0);
            } else {
                filter.masks.push(condition);
            }
        }
        filter
    }

    /// Whether `room` is listed.
    pub fn keeps(&self, room: &RoomInfo) -> bool {
        let name = &*room.name;
        (self.masks.is_empty() || self.masks.iter().any(|m| wildcard_matches(m, name)))
            && !self.not_masks.iter().any(|m| wildcard_matches(m, name))
            && self.more_than.is_none_or(|n| room.members > n)
            && self.fewer_than.is_none_or(|n| room.members < n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(conditions: &str) -> Vec<&'static str> {
        let rooms = [("#chan1", 1), ("#chan2", 2), ("#other", 5)].map(|(name, members)| RoomInfo {
            name: name.into(),
            members,
            topic: None,
        });
        let filter = ListFilter::parse(conditions);
        let names = ["#chan1", "#chan2", "#other"];
        (rooms.iter().zip(names))
            .filter(|(r, _)| filter.keeps(r))
            .map(|(_, n)| n)
            .collect()
    }

    #[test]
    fn masks_negated_masks_and_member_counts() {
        assert_eq!(listed(""), ["#chan1", "#chan2", "#other"]);
        assert_eq!(listed("*an1"), ["#chan1"]);
        assert_eq!(listed("#C*N2"), ["#chan2"]);
        assert_eq!(listed("#ch*"), ["#chan1", "#chan2"]);
        assert_eq!(listed("*an3"), Vec::<&str>::new());
        assert_eq!(listed("!*an1"), ["#chan2", "#other"]);
        assert_eq!(listed("!#ch*"), ["#other"]);
        assert_eq!(listed(">1"), ["#chan2", "#other"]);
        assert_eq!(listed("<2"), ["#chan1"]);
        assert_eq!(listed("<1"), Vec::<&str>::new());
        assert_eq!(listed("#chan1,#other"), ["#chan1", "#other"]);
        assert_eq!(listed("#ch*,>1"), ["#chan2"]);
        assert_eq!(listed(">x"), Vec::<&str>::new(), "not a number: nothing");
        assert_eq!(
            listed("C>2"),
            Vec::<&str>::new(),
            "creation time: not judged"
        );
    }
}
