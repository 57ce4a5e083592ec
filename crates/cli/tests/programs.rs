//! The three programs as a user meets them first: `--help` with examples and exit codes, shell
//! completions that bash accepts, and a man page.

use test_support::run;

const PROGRAMS: [&str; 3] = ["echo-server", "echo-client", "tls-cert"];

/// The built program `name`, beside this test's own binary in target/ (`cargo test --workspace` builds
/// all three before any test runs; alone, this package's tests find them only once they are built).
fn program(name: &str) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>/deps/..");
    dir.join(name).display().to_string()
}

#[tokio::test]
async fn every_help_ends_with_examples_and_exit_codes() {
    let mut helps = Vec::new();
    for name in PROGRAMS {
        helps.push((name.to_owned(), vec!["--help"]));
    }
    helps.push(("echo-client".into(), vec!["bench", "--help"]));
    for sub in ["generate", "inspect", "verify"] {
        helps.push(("tls-cert".into(), vec![sub, "--help"]));
    }
    for (name, args) in helps {
        let ran = run(&program(&name), &args, "(built by cargo)", b"").await;
        assert!(ran.ok(), "{name} {args:?}: {}", ran.stderr);
        let examples = ran.stdout.split("Examples:\n").nth(1).unwrap_or_default();
        let lines: Vec<&str> = examples.lines().take_while(|l| !l.is_empty()).collect();
        assert!(
            (2..=3).contains(&lines.len())
                && lines
                    .iter()
                    .all(|l| l.trim_start().starts_with(&name) || l.contains(&format!("| {name}"))),
            "{name} {args:?}: two or three examples of itself:\n{}",
            ran.stdout
        );
        assert!(
            ran.stdout
                .trim_end()
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("Exit codes: 0 ")),
            "{}",
            ran.stdout
        );
    }
}

#[tokio::test]
async fn completions_load_in_bash_and_man_pages_render() {
    let dir = test_support::temp_dir();
    for name in PROGRAMS {
        let ran = run(&program(name), &["--completions", "bash"], "(built by cargo)", b"").await;
        assert!(ran.ok(), "{}", ran.stderr);
        let script = test_support::write(dir.path(), &format!("{name}.bash"), &ran.stdout);
        // bash itself reads the script and finds the completion function it registers.
        let check = format!("source {} && complete -p {name}", script.display());
        let loaded = run("bash", &["-c", &check], "bash", b"").await;
        assert!(
            loaded.ok() && loaded.stdout.contains(name),
            "{name}: {}{}",
            loaded.stdout,
            loaded.stderr
        );

        let ran = run(&program(name), &["--man"], "(built by cargo)", b"").await;
        assert!(ran.ok(), "{}", ran.stderr);
        assert!(
            ran.stdout.contains(&format!(".TH {name} 1")),
            "{}",
            &ran.stdout[..ran.stdout.len().min(300)]
        );
        assert!(ran.stdout.contains(".SH OPTIONS"), "{name}");
        assert!(
            !ran.stdout.contains("(1)\n"),
            "no reference to a page that is not installed: {name}"
        );
        if name == "tls-cert" {
            // The subcommands' own options are in the one page.
            for (section, option) in [
                ("GENERATE", "\\-\\-ca\\-days"),
                ("VERIFY", "\\-\\-at"),
                ("INSPECT", "\\-\\-connect"),
            ] {
                let at = ran
                    .stdout
                    .find(&format!(".SH \"TLS-CERT {section}\""))
                    .unwrap_or_else(|| panic!("{section}"));
                assert!(ran.stdout[at..].contains(option), "{section} lists {option}");
            }
        }
    }
    let ran = run(
        &program("tls-cert"),
        &["--completions", "nushell"],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2), "an unknown shell is bad usage");
}
