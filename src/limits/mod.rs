//! Limits that protect everyone from one user or one address, kept apart
//! from the code that enforces them.
//!
//! - [`passwords`]: every limit on password guessing and registration:
//!   the lockout of an address from one name, the wrong passwords one
//!   address may give, and the registrations one address may make.

pub mod passwords;
