//! What `echo-server`, `echo-client` and `tls-cert` share on the command line, so each `main.rs` stays
//! glue:
//! - [`values`]: parsing flag values (seconds, counts, sizes, `HOST:PORT`, ALPN names) for clap
//! - [`Error`]: the library's errors and the programs' own, with their exit codes
//! - [`defaults`]: finding `certs/server.pem` and the other default files when no flag names them
//! - [`input`]: standard input as a file named `-`, read once, for the loaders
//! - [`Extras`]: `--completions SHELL` (clap_complete) and `--man` (clap_mangen), made from the
//!   program's own clap definitions
//! - [`raise_fd_limit`]: room for 10,000+ connections

use std::io::Write as _;
use std::process::ExitCode;

pub mod defaults;
mod error;
pub mod input;
pub mod values;

pub use clap_complete::Shell;
pub use error::{Error, Result, advice, exit_code};

/// The flags every program has besides its own, flattened into its arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Extras {
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) and exit
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<Shell>,
    /// Print the man page (roff) and exit: `PROGRAM --man > PROGRAM.1`
    #[arg(long, exclusive = true)]
    pub man: bool,
}

impl Extras {
    /// Prints what was asked for about `command` and returns the exit code, or `None` when neither
    /// flag was given and the program goes on.
    pub fn handle(&self, mut command: clap::Command) -> Option<ExitCode> {
        let name = command.get_name().to_owned();
        let mut out = std::io::stdout().lock();
        let written = if let Some(shell) = self.completions {
            // Made in memory first: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, name, &mut script);
            out.write_all(&script)
        } else if self.man {
            man_page(command, &mut out)
        } else {
            return None;
        };
        match written.and_then(|()| out.flush()) {
            Ok(()) => Some(ExitCode::SUCCESS),
            Err(err) => {
                eprintln!("error: cannot write to standard output: {err}");
                Some(ExitCode::FAILURE)
            }
        }
    }
}

/// The program's man page, then, in the same page, each subcommand's synopsis, description and options
/// (clap_mangen would refer to pages of their own that nothing installs).
fn man_page(command: clap::Command, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let name = command.get_name().to_owned();
    let subcommands: Vec<clap::Command> = command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .cloned()
        .collect();
    // clap_mangen names a page per subcommand (`tls-cert-generate(1)`); they are sections of this one.
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    let mut page = String::from_utf8_lossy(&page).into_owned();
    let roff_name = name.replace('-', "\\-");
    for sub in &subcommands {
        let sub_name = sub.get_name();
        page = page.replace(
            &format!("{roff_name}\\-{}(1)", sub_name.replace('-', "\\-")),
            &format!("{roff_name} {} (below)", sub_name.replace('-', "\\-")),
        );
    }
    page = page.replace(&format!(".TP\n{roff_name}\\-help(1)\n"), ".TP\nhelp\n");
    out.write_all(page.as_bytes())?;
    for sub in subcommands {
        writeln!(out, ".SH \"{} {}\"", name.to_uppercase(), sub.get_name().to_uppercase())?;
        let man = clap_mangen::Man::new(sub);
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        man.render_options_section(out)?;
    }
    Ok(())
}

/// Raises this process's open-file limit to its hard limit (each connection is a file descriptor, and
/// the soft limit is often 1024). Returns the new limit.
///
/// # Errors
/// The OS error when the limit cannot be changed.
pub fn raise_fd_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}
