//! Conversions between names and bytes, and the path helpers the other modules share.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};

/// The bytes of `name`: exact on Unix; lossy UTF-8 elsewhere.
pub(crate) fn os_bytes(name: &OsStr) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        match name.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// The name with these bytes: exact on Unix; lossy UTF-8 elsewhere.
pub(crate) fn os_str(bytes: &[u8]) -> Cow<'_, OsStr> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        Cow::Owned(OsString::from(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// An owned name from bytes (see [`os_str`]).
#[allow(dead_code, reason = "used by the fuzz hooks and tests")]
pub(crate) fn os_string(bytes: &[u8]) -> OsString {
    os_str(bytes).into_owned()
}
