// Package pki is libvirt's x509 handling for its TLS transport, on Go's crypto/tls:
// where the CA, certificate, key and revocation list live (the default paths, the
// daemon's config keys, a client's pkipath), the checks libvirt makes of the daemon's
// own certificate at start (tls_no_sanity_certificate), of a peer's certificate after
// the handshake (tls_no_verify_certificate) and of its Distinguished Name
// (tls_allowed_dn_list, in gnutls's legacy DN format with fnmatch globs), and
// tls_priority mapped onto Go's settings. Messages are libvirt 9.0's
// (src/rpc/virnettlscontext.c), since administrators search for them.
package pki
