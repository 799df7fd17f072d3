//! The `--admins` file: the registered names that may be server
//! operators, one a line (see `operators.rs`). Pure: the server reads the
//! file (at start and on SIGHUP) and hands the names to the core.

use std::collections::HashSet;

/// The most names an `--admins` file may list: it is read into memory
/// whole, and a longer list is a mistake.
pub const MAX_ADMINS: usize = 1000;

/// The account names of an `--admins` file: one a line, `#` starts a
/// comment, blank lines are skipped, names ignore case. Each line that is
/// not a valid user name is returned as a problem (with its line number)
/// and skipped, as are names past [`MAX_ADMINS`].
pub fn parse_admins(text: &str) -> (Vec<Box<str>>, Vec<String>) {
    let (mut names, mut problems) = (Vec::new(), Vec::new());
    let mut seen = HashSet::new();
    for (number, line) in text.lines().enumerate() {
        let name = line.split('#').next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        if super::naming::valid_name(name).is_err() {
            problems.push(format!("line {}: '{name}' is not a user name", number + 1));
        } else if names.len() >= MAX_ADMINS {
            problems.push(format!("line {}: more than {MAX_ADMINS} names", number + 1));
            break;
        } else if seen.insert(name.to_ascii_lowercase()) {
            names.push(name.to_ascii_lowercase().into());
        }
    }
    (names, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admins_file_is_names_one_a_line_with_comments() {
        let text = "# operators\nAlice\n\n  bob  # the night shift\nalice\n";
        let (names, problems) = parse_admins(text);
        assert_eq!(names, ["alice".into(), "bob".into()] as [Box<str>; 2]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn bad_lines_are_named_and_skipped() {
        let (names, problems) = parse_admins("carol\nnot a name\n#x\nd/e\n");
        assert_eq!(names, ["carol".into()] as [Box<str>; 1]);
        assert_eq!(
            problems,
            [
                "line 2: 'not a name' is not a user name",
                "line 4: 'd/e' is not a user name"
            ]
        );
    }

    #[test]
    fn an_admins_file_has_a_cap() {
        let text: String = (0..MAX_ADMINS + 5).map(|i| format!("op{i}\n")).collect();
        let (names, problems) = parse_admins(&text);
        assert_eq!(names.len(), MAX_ADMINS);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let (empty, none) = parse_admins("");
        assert!(empty.is_empty() && none.is_empty());
    }
}
