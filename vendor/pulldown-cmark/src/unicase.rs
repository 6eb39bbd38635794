//! pocket-chat's change: link and footnote labels compare ASCII-case-insensitively instead
//! of by full Unicode case folding, which drops the `unicase` tables from the download.
//! Labels that differ only in non-ASCII case no longer match; nothing else changes.

use core::hash::{Hash, Hasher};

/// A string compared and hashed without regard to ASCII case.
#[derive(Clone, Debug)]
pub struct UniCase<S>(S);

impl<S> UniCase<S> {
    pub fn new(s: S) -> Self {
        UniCase(s)
    }
}

impl<S: AsRef<str>> PartialEq for UniCase<S> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_ref().eq_ignore_ascii_case(other.0.as_ref())
    }
}

impl<S: AsRef<str>> Eq for UniCase<S> {}

impl<S: AsRef<str>> Hash for UniCase<S> {
    fn hash<H: Hasher>(&self, hasher: &mut H) {
        for b in self.0.as_ref().bytes() {
            hasher.write_u8(b.to_ascii_lowercase());
        }
        hasher.write_u8(0xff);
    }
}

impl<S: AsRef<str>> AsRef<str> for UniCase<S> {
    fn as_ref(&self) -> &str {
        self.0.as_ref()
    }
}
