//! Slugs and output path segments.

/// Whether `s` is a valid slug: ASCII lowercase letters, digits and `-`, neither first nor last.
/// A page's file name must be one, and so must a kind's folder.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Names Windows reserves for devices in any folder, whatever the extension: a clone of the
/// built site (or of a wiki with such a page) could not be checked out there.
const WINDOWS_DEVICES: &[&str] = &["con", "prn", "aux", "nul", "conin$", "conout$", "clock$"];

/// Whether a path segment is a Windows device name (`CON`, `nul`, `COM1`, `LPT¹`...).
pub fn is_device_name(segment: &str) -> bool {
    let lower = segment.to_lowercase();
    let stem = lower.split('.').next().unwrap_or("").trim_end();
    if WINDOWS_DEVICES.contains(&stem) {
        return true;
    }
    let rest = stem
        .strip_prefix("com")
        .or_else(|| stem.strip_prefix("lpt"));
    matches!(
        rest,
        Some("0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["ateez", "h-o-t", "2ne1", "a"] {
            assert!(is_valid_slug(ok), "{ok}");
        }
        for bad in ["", "Ateez", "a_b", "-a", "a-", "에이티즈", "a b", "a.b"] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }
}
