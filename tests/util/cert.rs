//! A self-signed certificate for `localhost`, made for one test (rcgen),
//! and its PEM files. Self-contained (rcgen, rustls's types): the load
//! generator's tests include this file too.
#![allow(dead_code)]

use rustls::pki_types::CertificateDer;
use std::path::{Path, PathBuf};

pub struct Cert {
    /// The certificate, for a client to trust.
    pub der: CertificateDer<'static>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Cert {
    pub fn localhost() -> Cert {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("rcgen");
        Cert {
            der: made.cert.der().clone(),
            cert_pem: made.cert.pem(),
            key_pem: made.signing_key.serialize_pem(),
        }
    }

    /// Writes `<stem>.pem` (the certificate) and `<stem>-key.pem` (its
    /// key) in `dir`, replacing what is there, and returns their paths.
    pub fn write(&self, dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
        let (cert, key) = pem_paths(dir, stem);
        std::fs::write(&cert, &self.cert_pem).unwrap();
        std::fs::write(&key, &self.key_pem).unwrap();
        (cert, key)
    }
}

/// Where [`Cert::write`] puts `stem`'s certificate and key in `dir`.
pub fn pem_paths(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{stem}.pem")),
        dir.join(format!("{stem}-key.pem")),
    )
}
