//! OCSP responses made by a CA read back by the crate's own reader and checked as a client checks a
//! staple: for its certificate, its signer, its dates; and junk refused in words. (openssl reads the
//! same responses in tls-cert's and echo-server's tests.)

use tls_core::generate::{CertificateAuthority, Usage, Validity};
use tls_core::ocsp::{CertId, CertStatus, Issuer, read_request, read_response, refusal};
use tls_core::revocation::RevocationReason;

fn ca_and_leaf() -> (CertificateAuthority, tls_core::generate::Issued) {
    let ca = CertificateAuthority::new("OCSP Test CA", Validity::days_from_now(30)).expect("CA");
    let leaf = ca
        .issue(&["localhost"], Usage::Server, Validity::days_from_now(10))
        .expect("leaf");
    (ca, leaf)
}

#[test]
fn an_answer_reads_back_and_is_checked_for_its_certificate_signer_and_dates() {
    let (ca, leaf) = ca_and_leaf();
    let issuer = Issuer::of(&ca.issued.cert).expect("issuer");
    let id = CertId::of(&leaf.cert, &issuer, false).expect("CertID");
    let revoked = CertStatus::Revoked {
        date: 1_700_000_000,
        reason: Some(RevocationReason::KeyCompromise),
    };
    let bytes = ca
        .ocsp_response(&[(id, revoked)], 24, Some(b"\x04\x02hi"))
        .expect("response");
    let response = read_response(&bytes).expect("reads");
    let now = response.produced_at;
    let checked = response.check(&leaf.cert, &issuer, now).expect("checks");
    assert_eq!(checked.status, revoked);
    assert_eq!(checked.next_update, Some(now + 24 * 3600));
    assert_eq!(checked.signer, "CN=OCSP Test CA");
    assert_eq!(
        checked.status.to_string(),
        "revoked on 2023-11-14T22:13:20Z, reason keyCompromise"
    );
    // Out of date a day later; not for another certificate; not signed by another CA of that name.
    let late = response
        .check(&leaf.cert, &issuer, now + 25 * 3600)
        .expect_err("out of date");
    assert!(late.starts_with("it is out of date: its nextUpdate was "), "{late}");
    let other = ca
        .issue(&["other"], Usage::Server, Validity::days_from_now(10))
        .expect("leaf");
    let wrong = response
        .check(&other.cert, &issuer, now)
        .expect_err("another certificate");
    assert!(wrong.starts_with("it is for another certificate (serial "), "{wrong}");
    let twin = CertificateAuthority::new("OCSP Test CA", Validity::days_from_now(30)).expect("CA");
    let forged = twin
        .ocsp_response(
            &[(CertId::of(&leaf.cert, &issuer, false).expect("id"), CertStatus::Good)],
            24,
            None,
        )
        .expect("response");
    let forged = read_response(&forged).expect("reads").check(&leaf.cert, &issuer, now);
    assert!(
        forged
            .expect_err("another key")
            .starts_with("its signature does not verify with the key of CN=OCSP Test CA")
    );
    // Stapled: to the certificate it is for, among several; refused for none of them.
    let mut served = vec![other.identity(), leaf.identity()];
    assert_eq!(response.staple(&bytes, &mut served, now), Ok((1, revoked)));
    assert_eq!(served[1].ocsp.as_deref(), Some(bytes.as_slice()));
    let mut others = vec![other.identity()];
    let none = response.staple(&bytes, &mut others, now).expect_err("for none");
    assert!(
        none.contains("which is none of the certificates served: CN=other (serial "),
        "{none}"
    );
    assert!(response.staple(&bytes, &mut served, now + 25 * 3600).is_err());
}

#[test]
fn refusals_and_junk_are_said() {
    assert_eq!(
        read_response(&refusal(3)).expect_err("refused"),
        "the responder refused to answer: tryLater: ask again later"
    );
    for junk in [
        &b""[..],
        b"\x30\x00",
        b"\x30\x03\x0a\x01\x00",
        b"not DER at all",
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
    ] {
        assert!(read_response(junk).is_err(), "{junk:?}");
        assert!(read_request(junk).is_err(), "{junk:?}");
    }
}
