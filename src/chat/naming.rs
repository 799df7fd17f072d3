//! The form of user and room names, decided from the text alone. Pure: no
//! room, no names looked up; the core checks names against the rooms.

/// Longest name, in characters (names are ASCII, so also bytes).
pub const MAX_NAME: usize = 24;

/// Longest room name, without its `#`.
pub const MAX_ROOM_NAME: usize = 32;

/// What is wrong with a typed name or room name: a value, which each
/// dialect words (the telnet words are in `dialect/telnet/reply.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Empty, or longer than [`MAX_NAME`] (a room: [`MAX_ROOM_NAME`]).
    Length,
    /// A character outside `A-Z a-z 0-9 _ -`.
    Characters,
}

/// A room name as typed, with or without `#`, in its canonical form: `#`
/// and the name in lower case (names compare ignoring ASCII case).
pub fn room_name(typed: &str) -> Result<String, NameProblem> {
    let bare = typed.strip_prefix('#').unwrap_or(typed);
    if bare.is_empty() || bare.len() > MAX_ROOM_NAME {
        return Err(NameProblem::Length);
    }
    if !bare
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(NameProblem::Characters);
    }
    Ok(format!("#{}", bare.to_ascii_lowercase()))
}

/// Names are 1 to 24 characters from `A-Z a-z 0-9 _ -`.
pub fn valid_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(NameProblem::Length);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(NameProblem::Characters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        let long = "x".repeat(25);
        for bad in ["", long.as_str()] {
            assert_eq!(valid_name(bad), Err(NameProblem::Length));
        }
        assert_eq!(valid_name("a b"), Err(NameProblem::Characters));
        assert_eq!(valid_name("/quit"), Err(NameProblem::Characters));
        assert_eq!(valid_name(&"x".repeat(24)), Ok(()));
        assert_eq!(valid_name("Al-ice_9"), Ok(()));
    }

    #[test]
    fn room_names() {
        assert_eq!(room_name("#Rust").as_deref(), Ok("#rust"));
        assert_eq!(room_name("lobby").as_deref(), Ok("#lobby"));
        assert_eq!(room_name("a-b_9").as_deref(), Ok("#a-b_9"));
        assert_eq!(room_name("#"), Err(NameProblem::Length));
        assert_eq!(room_name(&"x".repeat(33)), Err(NameProblem::Length));
        assert!(room_name(&"x".repeat(32)).is_ok());
        assert_eq!(room_name("#a b"), Err(NameProblem::Characters));
        assert_eq!(room_name("##x"), Err(NameProblem::Characters));
    }
}
