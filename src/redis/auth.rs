//! Credentials for Redis's `AUTH`: a password, and with Redis 6 ACLs a
//! user name. They come from the URL (`redis://[USER]:PASSWORD@HOST`) or
//! from the environment (`LINECHAT_REDIS_PASSWORD`,
//! `LINECHAT_REDIS_USERNAME`), never from a flag of its own: a process's
//! arguments are visible to every user of the machine through `ps`. Pure.

use std::fmt;

/// Read for the password when the URL has none.
pub const PASSWORD_VAR: &str = "LINECHAT_REDIS_PASSWORD";

/// Read for the ACL user name when the URL has none.
pub const USERNAME_VAR: &str = "LINECHAT_REDIS_USERNAME";

/// What every new connection sends first: `AUTH [username] password`.
#[derive(Clone, PartialEq, Eq)]
pub struct Auth {
    /// The ACL user; `None` is Redis's `default` user (`requirepass`).
    pub username: Option<String>,
    /// Never shown: `Debug` and every URL display mask it.
    pub password: String,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl Auth {
    /// The `AUTH` command's words.
    pub fn command(&self) -> Vec<&[u8]> {
        let mut words: Vec<&[u8]> = vec![b"AUTH"];
        if let Some(user) = &self.username {
            words.push(user.as_bytes());
        }
        words.push(self.password.as_bytes());
        words
    }
}

/// Why the credentials given cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// The URL has credentials and the environment has some too: which
    /// one is meant is a guess, and a wrong guess fails only at the first
    /// connection, so neither wins.
    Both,
    /// A user name with no password.
    UserWithoutPassword,
    /// Credentials in the environment but no Redis to use them with.
    NoRedis,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Both => write!(
                f,
                "Redis credentials are given both in the URL and in \
                 {PASSWORD_VAR}/{USERNAME_VAR}: give them in one place"
            ),
            AuthError::UserWithoutPassword => {
                write!(f, "{USERNAME_VAR} is set but {PASSWORD_VAR} is not")
            }
            AuthError::NoRedis => write!(
                f,
                "{PASSWORD_VAR} or {USERNAME_VAR} is set but there is no --redis"
            ),
        }
    }
}

impl std::error::Error for AuthError {}

/// The credentials to use, given those of the URL (`from_url`) and the
/// environment's `username` and `password` (empty counts as unset).
pub fn choose(
    from_url: Option<Auth>,
    username: Option<String>,
    password: Option<String>,
) -> Result<Option<Auth>, AuthError> {
    let username = username.filter(|s| !s.is_empty());
    let password = password.filter(|s| !s.is_empty());
    match (from_url, username, password) {
        (from_url, None, None) => Ok(from_url),
        (Some(_), _, _) => Err(AuthError::Both),
        (None, Some(_), None) => Err(AuthError::UserWithoutPassword),
        (None, username, Some(password)) => Ok(Some(Auth { username, password })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(user: Option<&str>, pass: &str) -> Auth {
        Auth {
            username: user.map(str::to_owned),
            password: pass.to_owned(),
        }
    }

    #[test]
    fn the_command_has_the_user_only_when_given() {
        assert_eq!(
            auth(None, "pw").command(),
            [&b"AUTH"[..], &b"pw"[..]].to_vec()
        );
        assert_eq!(
            auth(Some("app"), "pw").command(),
            [&b"AUTH"[..], &b"app"[..], &b"pw"[..]].to_vec()
        );
    }

    #[test]
    fn debug_never_shows_the_password() {
        let shown = format!("{:?}", auth(Some("app"), "hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("app"), "{shown}");
    }

    #[test]
    fn url_or_environment_never_both() {
        let s = |v: &str| Some(v.to_owned());
        let url = Some(auth(None, "from-url"));
        assert_eq!(choose(url.clone(), None, None), Ok(url.clone()));
        assert_eq!(choose(url.clone(), s(""), s("")), Ok(url.clone()));
        assert_eq!(choose(url.clone(), None, s("pw")), Err(AuthError::Both));
        assert_eq!(choose(url, s("app"), None), Err(AuthError::Both));
        assert_eq!(choose(None, None, None), Ok(None));
        assert_eq!(choose(None, None, s("pw")), Ok(Some(auth(None, "pw"))));
        assert_eq!(
            choose(None, s("app"), s("pw")),
            Ok(Some(auth(Some("app"), "pw")))
        );
        assert_eq!(
            choose(None, s("app"), None),
            Err(AuthError::UserWithoutPassword)
        );
    }
}
