//! Where the programs find their default files (`certs/server.pem`, `certs/ca.pem`, ...) when no flag
//! names them.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Finds a default file such as `certs/server.pem`: in the working directory or a folder above it, else
/// in the folder of the running program or one above it (so `cargo run` and `target/debug/echo-server`
/// work from anywhere in the checkout). No path is compiled in: a program copied elsewhere finds the
/// files only where it runs or lives. Returns `relative` unchanged when it is nowhere, so the load
/// error names it.
pub fn default_path(relative: &str) -> PathBuf {
    find_default(relative).unwrap_or_else(|| PathBuf::from(relative))
}

/// As [`default_path`], or an error saying where it was looked for and which flags to give instead.
///
/// # Errors
/// [`Error::NoDefault`] when the file is in none of those places.
pub fn default_file(relative: &'static str, flags: &'static str) -> Result<PathBuf> {
    find_default(relative).ok_or(Error::NoDefault { file: relative, flags })
}

fn find_default(relative: &str) -> Option<PathBuf> {
    let found_above = |start: &Path| start.ancestors().map(|dir| dir.join(relative)).find(|p| p.is_file());
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| found_above(&cwd));
    let from_program = || {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().and_then(found_above))
    };
    from_cwd.or_else(from_program)
}
