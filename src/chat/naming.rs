//! The form of user and room names, decided from the text alone. Pure: no
//! room, no names looked up; the core checks names against the rooms.

/// Longest name, in characters (names are ASCII, so also bytes).
pub const MAX_NAME: usize = 24;

/// Longest room name, without its `#`.
pub const MAX_ROOM_NAME: usize = 32;

/// A room name as typed, with or without `#`, in its canonical form: `#`
/// and the name in lower case (names compare ignoring ASCII case).
pub fn room_name(typed: &str) -> Result<String, &'static str> {
    let bare = typed.strip_prefix('#').unwrap_or(typed);
    if bare.is_empty() || bare.len() > MAX_ROOM_NAME {
        return Err("use # and 1 to 32 characters");
    }
    if !bare
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("use only a-z, 0-9, _ and -");
    }
    Ok(format!("#{}", bare.to_ascii_lowercase()))
}

/// Names are 1 to 24 characters from `A-Z a-z 0-9 _ -`.
pub fn valid_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err("use 1 to 24 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("use only letters, digits, _ and -");
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
            assert_eq!(valid_name(bad), Err("use 1 to 24 characters"));
        }
        assert_eq!(valid_name("a b"), Err("use only letters, digits, _ and -"));
        assert_eq!(
            valid_name("/quit"),
            Err("use only letters, digits, _ and -")
        );
        assert_eq!(valid_name(&"x".repeat(24)), Ok(()));
        assert_eq!(valid_name("Al-ice_9"), Ok(()));
    }

    #[test]
    fn room_names() {
        assert_eq!(room_name("#Rust").as_deref(), Ok("#rust"));
        assert_eq!(room_name("lobby").as_deref(), Ok("#lobby"));
        assert_eq!(room_name("a-b_9").as_deref(), Ok("#a-b_9"));
        assert_eq!(room_name("#"), Err("use # and 1 to 32 characters"));
        assert_eq!(
            room_name(&"x".repeat(33)),
            Err("use # and 1 to 32 characters")
        );
        assert!(room_name(&"x".repeat(32)).is_ok());
        assert_eq!(room_name("#a b"), Err("use only a-z, 0-9, _ and -"));
        assert_eq!(room_name("##x"), Err("use only a-z, 0-9, _ and -"));
    }
}
