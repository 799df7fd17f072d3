//! Argon2id password hashes in PHC form (`$argon2id$v=19$m=...`), computed
//! in one working memory that the hasher keeps and reuses: 19 MiB that
//! stay allocated (and are counted in the memory budget, see
//! [`HASH_MEMORY`]) instead of 19 MiB allocated and freed per hash, which
//! the thread's allocator arena kept anyway after a storm of logins.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Argon2id with OWASP's first recommended setting: 19 MiB, 2 passes, one
/// lane. About 40 ms per hash on the 2-vCPU machine the README measures.
const MEMORY_KIB: u32 = 19 * 1024;

/// The working memory of one hash, which the memory budget reserves
/// while accounts are on (the one hasher computes one hash at a time).
pub const HASH_MEMORY: usize = MEMORY_KIB as usize * 1024;

fn params() -> Params {
    Params::new(MEMORY_KIB, 2, 1, None).expect("valid Argon2 parameters")
}

/// One hash's working memory, allocated at the first hash and reused.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({} blocks)", self.0.len())
    }
}

impl Memory {
    /// The blocks for `params`, which must not need more than ours (a hash
    /// kept with bigger parameters is refused, not allocated for).
    fn blocks(&mut self, params: &Params) -> Option<&mut [Block]> {
        let wanted = params.block_count();
        if wanted > params_blocks() {
            return None;
        }
        if self.0.len() < wanted {
            self.0 = vec![Block::default(); params_blocks()];
        }
        Some(&mut self.0[..wanted])
    }
}

fn params_blocks() -> usize {
    params().block_count()
}

/// Whether `password` opens `hash` (one this module or `argon2`'s own
/// `hash_password` made: the salt is hashed decoded, as there).
pub fn opens(hash: &str, password: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() || parsed.version.is_some_and(|v| v != 0x13)
    {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else {
        return false;
    };
    let Some(blocks) = memory.blocks(&params) else {
        return false;
    };
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, out, blocks)
        .is_ok()
        // `Output`'s comparison takes the same time wherever they differ.
        && Output::new(out).is_ok_and(|computed| computed == expected)
}

/// A new PHC hash of `password` with a fresh random salt.
pub fn hash(password: &str, memory: &mut Memory) -> Result<String, String> {
    let mut salt_bytes = [0u8; 16];
    crate::sys::random_bytes(&mut salt_bytes).map_err(|e| format!("no random salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    let params = params();
    let mut out = [0u8; 32];
    let blocks = memory.blocks(&params).ok_or("no hash memory")?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt_bytes, &mut out, blocks)
        .map_err(|e| format!("hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(0x13),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_agree_with_the_argon2_crates_own() {
        let mut memory = Memory::default();
        let ours = hash("hunter2", &mut memory).unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(opens(&ours, "hunter2", &mut memory));
        assert!(!opens(&ours, "hunter3", &mut memory));
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2.verify_password(b"hunter2", &parsed).is_ok());
        // A hash kept before this module: made by the crate's hasher.
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let theirs = argon2.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(opens(&theirs, "pw", &mut memory));
        assert!(!opens(&theirs, "px", &mut memory));
        assert_eq!(memory.0.len(), params_blocks(), "one memory, reused");
        // A kept hash asking for more memory than ours is refused.
        let big = theirs.replace("m=19456", "m=1000000");
        assert!(!opens(&big, "pw", &mut memory));
        assert!(!opens("not a hash", "pw", &mut memory));
    }
}
