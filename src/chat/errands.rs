//! What a connection holds only while something is under way for it: a
//! name being claimed in the shared store, an account being looked up or
//! its password asked for. Most of a session's life none of it is there,
//! so it lives in a box made when the first errand starts and dropped when
//! the last ends: an idle user holds one null pointer instead of 48 bytes.

use super::Secret;
use std::time::Instant;

/// A connection's errands under way (see the module doc).
#[derive(Debug, Default)]
pub(super) struct Errands(Option<Box<Under>>);

#[derive(Debug, Default)]
struct Under {
    /// The name being claimed in the shared store (a login or a `/nick`);
    /// the connection's next lines wait for the answer.
    claim: Option<Box<str>>,
    /// The name the accounts worker is asked about, or whose password is
    /// asked for; reserved meanwhile.
    account: Option<Box<str>>,
    /// When a password prompt's own deadline passes.
    password_until: Option<Instant>,
    /// What a client of requests said quitting, until it is closed.
    quit_reason: Option<Box<str>>,
    /// The password a client of requests logged in with, kept until the
    /// accounts worker says whether its name is registered.
    password: Option<Secret>,
}

impl Errands {
    pub(super) fn claim(&self) -> Option<&str> {
        self.0.as_ref()?.claim.as_deref()
    }

    pub(super) fn account(&self) -> Option<&str> {
        self.0.as_ref()?.account.as_deref()
    }

    pub(super) fn password_until(&self) -> Option<Instant> {
        self.0.as_ref()?.password_until
    }

    pub(super) fn set_claim(&mut self, name: &str) {
        self.under().claim = Some(name.into());
    }

    pub(super) fn set_account(&mut self, name: &str) {
        self.under().account = Some(name.into());
    }

    pub(super) fn set_password_until(&mut self, at: Instant) {
        self.under().password_until = Some(at);
    }

    pub(super) fn quit_reason(&self) -> Option<&str> {
        self.0.as_ref()?.quit_reason.as_deref()
    }

    pub(super) fn set_quit_reason(&mut self, reason: &str) {
        self.under().quit_reason = Some(reason.into());
    }

    pub(super) fn set_password(&mut self, password: Secret) {
        self.under().password = Some(password);
    }

    pub(super) fn take_password(&mut self) -> Option<Secret> {
        let password = self.0.as_mut()?.password.take();
        self.tidy();
        password
    }

    pub(super) fn take_claim(&mut self) -> Option<Box<str>> {
        let claim = self.0.as_mut()?.claim.take();
        self.tidy();
        claim
    }

    pub(super) fn take_account(&mut self) -> Option<Box<str>> {
        let account = self.0.as_mut()?.account.take();
        self.tidy();
        account
    }

    /// Forgets the account errand and its password deadline.
    pub(super) fn end_account(&mut self) {
        if let Some(under) = self.0.as_mut() {
            under.account = None;
            under.password_until = None;
            under.password = None;
        }
        self.tidy();
    }

    fn under(&mut self) -> &mut Under {
        self.0.get_or_insert_with(Box::default)
    }

    /// Drops the box once nothing is under way.
    fn tidy(&mut self) {
        if let Some(under) = &self.0
            && under.claim.is_none()
            && under.account.is_none()
            && under.password_until.is_none()
            && under.password.is_none()
            && under.quit_reason.is_none()
        {
            self.0 = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_goes_with_the_last_errand() {
        let mut e = Errands::default();
        e.set_claim("Alice");
        e.set_account("alice");
        e.set_password_until(Instant::now());
        assert_eq!(e.take_claim().as_deref(), Some("Alice"));
        assert!(e.0.is_some(), "the account errand is still under way");
        e.end_account();
        assert!(e.0.is_none());
        assert_eq!(
            (e.claim(), e.account(), e.password_until()),
            (None, None, None)
        );
    }
}
