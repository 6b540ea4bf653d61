//! The test suite runs with every feature: `Cargo.toml` makes the crate a dev-dependency of
//! itself with `tls-rustls`, so a plain `cargo nextest run` covers TLS. This test only compiles
//! with that wiring in place (`ServerBuilder::tls` exists only with the feature).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

#[test]
fn tests_are_built_with_tls_rustls() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .unwrap();
    let server = covet_core::Server::builder(covet_core::Router::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .workers(1)
        .tls(Arc::new(config))
        .start()
        .unwrap();
    assert_ne!(server.local_addr().port(), 0);
    assert!(server.shutdown(std::time::Duration::from_millis(100)));
}
