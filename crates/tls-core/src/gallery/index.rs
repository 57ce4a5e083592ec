//! The index at `https://localhost:PORT/`: every exhibit, what is wrong with it, and what each client
//! says; and the same as JSON at `/gallery.json`.

use std::fmt::Write as _;

use serde::Serialize;

use super::DOMAIN;
use super::catalogue::{CATALOGUE, Exhibit, Expect};
use crate::xray::escape;

/// An exhibit as `/gallery.json` lists it.
#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    /// Where it is served; `None` when it is not.
    url: Option<String>,
    what: &'a str,
    expect: Option<&'a Expect>,
}

fn url(exhibit: &Exhibit, port: u16) -> Option<String> {
    exhibit
        .served
        .then(|| format!("https://{}.{DOMAIN}:{port}/", exhibit.name))
}

/// `/gallery.json`: a list of `{"name", "url", "what", "expect"}`.
pub(super) fn json(port: u16) -> String {
    let listed: Vec<Listed<'_>> = CATALOGUE
        .iter()
        .map(|exhibit| Listed {
            name: exhibit.name,
            url: url(exhibit, port),
            what: exhibit.what,
            expect: exhibit.expect.as_ref(),
        })
        .collect();
    serde_json::to_string_pretty(&listed).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}")) + "\n"
}

/// The index page: inert HTML, a table.
pub(super) fn html(port: u16) -> String {
    let mut page = String::with_capacity(32 * 1024);
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tls-echo gallery: broken on purpose</title>\
<style>body{{font-family:sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}}code{{font-size:90%}}.ok{{color:#060}}.no{{color:#a00}}</style>\
</head><body>\n<h1>Broken on purpose</h1>\n\
<p>Each exhibit below is served on this port at its own name under <code>{DOMAIN}</code>, made when this server started and signed by its CA. \
Trust <a href=\"/ca.pem\">the gallery's CA</a> (<code>tls-cert trust install --ca ca.pem</code>, or in your client) and the good ones are good, so each broken one shows exactly its own problem. \
The same list, for programs: <a href=\"/gallery.json\">/gallery.json</a>. The revoked certificate's CRL: <a href=\"/revoked.crl\">/revoked.crl</a> (DER), <a href=\"/revoked.crl.pem\">/revoked.crl.pem</a>.</p>\n\
<p>The columns are what each client said, measured by this project's tests: <code>curl --cacert ca.pem https://NAME.{DOMAIN}:{port}/</code> (its exit code), \
Python's <code>ssl</code> with <code>cafile=ca.pem</code>, <code>openssl s_client -connect 127.0.0.1:{port} -servername NAME.{DOMAIN} -verify_hostname NAME.{DOMAIN} -CAfile ca.pem</code> (its verify return code, or <em>no handshake</em> when no certificate came: it then prints <code>0 (ok)</code>, having checked nothing) and headless Chromium with the CA in its NSS database (OK when the page loads, else the error it shows).</p>\n\
<table>\n<tr><th>exhibit</th><th>what is wrong, and why it matters</th><th>curl</th><th>Python ssl</th><th>openssl s_client</th><th>Chromium</th></tr>\n"
    );
    for exhibit in CATALOGUE {
        row(&mut page, exhibit, port);
    }
    page.push_str("</table>\n</body></html>\n");
    page
}

fn row(page: &mut String, exhibit: &Exhibit, port: u16) {
    let name = match url(exhibit, port) {
        Some(url) => format!("<a href=\"{url}\">{}</a>", exhibit.name),
        None => exhibit.name.to_owned(),
    };
    let _ = write!(page, "<tr><td>{name}</td><td>{}</td>", escape(exhibit.what));
    match &exhibit.expect {
        Some(expect) => {
            let flags = expect.curl.flags.join(" ");
            let curl = if flags.is_empty() {
                format!("exit {}", expect.curl.exit)
            } else {
                format!("<code>{flags}</code>: exit {}", expect.curl.exit)
            };
            for said in [
                curl.as_str(),
                &escape(expect.python),
                &escape(expect.openssl),
                &escape(expect.chromium),
            ] {
                let class = if ["exit 0", "ok", "0 (ok)", "OK"].contains(&said) {
                    "ok"
                } else {
                    "no"
                };
                let _ = write!(page, "<td class=\"{class}\">{said}</td>");
            }
        }
        None => page.push_str("<td colspan=\"4\">not served: why is on the left</td>"),
    }
    page.push_str("</tr>\n");
}
