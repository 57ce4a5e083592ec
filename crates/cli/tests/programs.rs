//! The four programs as a user meets them first: `--help` with examples and exit codes, shell
//! completions that bash accepts, and a man page.

use test_support::run;

const PROGRAMS: [&str; 4] = ["echo-server", "echo-client", "tls-cert", "tls-scan"];

/// The built program `name`, beside this test's own binary in target/ (`cargo test --workspace` builds
/// all four before any test runs; alone, this package's tests find them only once they are built).
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
    for sub in [
        "generate",
        "inspect",
        "verify",
        "sign",
        "revoke",
        "crl",
        "ocsp",
        "ocsp-responder",
        "pkcs12",
    ] {
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

/// The commands `tls-cert generate` prints work as printed: the server its "serve it:" line starts
/// offers, at /ca.pem (which its page links to), the CA its "trust it:" line names, and a client
/// trusting that CA gets its echo back.
#[tokio::test]
async fn the_commands_generate_prints_work_as_printed() {
    use test_support::{Output, Peer};
    let dir = test_support::temp_dir();
    let out = dir.path().join("pki");
    let made = run(
        &program("tls-cert"),
        &["generate", "--out", &out.display().to_string()],
        "(built by cargo)",
        b"",
    )
    .await;
    assert!(made.ok(), "{}", made.stderr);
    let command_after = |label: &str| -> Vec<String> {
        let line = made
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} line in:\n{}", made.stdout));
        line.split("   (")
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let serve = command_after("serve it:");
    assert_eq!(serve[0], "echo-server", "{serve:?}");
    // As printed, with a free port instead of 7777, which another test or program may hold.
    let mut args: Vec<&str> = serve[1..].iter().map(String::as_str).collect();
    args.extend(["--listen", "127.0.0.1:0"]);
    let mut server = Peer::spawn(&program("echo-server"), &args, "(built by cargo)");
    let listening = server.wait_for(Output::Stdout, "listening on").await;
    let addr = listening.rsplit(' ').next().expect("an address").to_owned();
    let port = addr.rsplit(':').next().expect("a port");

    let ca_file = out.join("ca.pem");
    let trust = command_after("trust it:");
    assert_eq!(trust, ["echo-client", "--ca", &ca_file.display().to_string()]);
    let fetched = run(
        "curl",
        &[
            "--silent",
            "--show-error",
            "--fail",
            "--max-time",
            "10",
            "--cacert",
            &ca_file.display().to_string(),
            "--resolve",
            &format!("localhost:{port}:127.0.0.1"),
            &format!("https://localhost:{port}/ca.pem"),
        ],
        "curl",
        b"",
    )
    .await;
    assert!(fetched.ok(), "GET /ca.pem: {}", fetched.stderr);
    let ca = std::fs::read_to_string(&ca_file).expect("ca.pem");
    assert_eq!(fetched.stdout.trim(), ca.trim(), "/ca.pem is the CA generate made");

    let mut client: Vec<&str> = trust[1..].iter().map(String::as_str).collect();
    client.extend(["--connect", &addr, "--message", "Hello World!"]);
    let echoed = run(&program("echo-client"), &client, "(built by cargo)", b"").await;
    assert!(echoed.ok(), "{}", echoed.stderr);
    assert_eq!(echoed.stdout, "Hello World!\n");
}

/// The same with a folder whose name the shell would split or misread, and names without 127.0.0.1:
/// the printed lines, pasted into bash as they are (with only the address added), serve and verify.
#[tokio::test]
async fn the_printed_commands_survive_a_shell_and_other_names() {
    use test_support::{Output, Peer};
    let dir = test_support::temp_dir();
    let out = dir.path().join("sp ace").join("it's");
    let made = run(
        &program("tls-cert"),
        &[
            "generate",
            "--out",
            &out.display().to_string(),
            "--san",
            "example.com",
            "--san",
            "::1",
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    assert!(made.ok(), "{}", made.stderr);
    let line = |label: &str| -> String {
        made.stdout
            .lines()
            .find_map(|line| line.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} line in:\n{}", made.stdout))
            .trim()
            .to_owned()
    };
    let bin = std::path::Path::new(&program("tls-cert"))
        .parent()
        .expect("the programs' folder")
        .display()
        .to_string();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    let serve = format!("exec {} --listen 127.0.0.1:0", line("serve it:"));
    let mut server = Peer::spawn_env("bash", &["-c", &serve], &[("PATH", &path)], "bash");
    let listening = server.wait_for(Output::Stdout, "listening on").await;
    let addr = listening.rsplit(' ').next().expect("an address").to_owned();
    let trust = format!("{} --connect {addr}", line("trust it:"));
    let ran = test_support::bounded(
        "the printed client",
        tokio::process::Command::new("bash")
            .args(["-c", &trust])
            .env("PATH", &path)
            .output(),
    )
    .await
    .expect("bash runs");
    assert_eq!(
        (ran.status.code(), String::from_utf8_lossy(&ran.stdout).as_ref()),
        (Some(0), "Hello World!\n"),
        "{trust}: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
}
