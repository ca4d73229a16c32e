// Package sasl is the server side of SASL as libvirt's daemons speak it through Cyrus
// SASL (the "libvirt" service): the configuration in /etc/sasl2/libvirt.conf
// (mech_list, sasldb_path), the users saslpasswd2 keeps in that Berkeley DB file, and
// the mechanisms stock clients (virsh with libsasl2-modules) negotiate with it.
//
// SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802) prove the password without sending it and
// work wherever the channel is already secure (TLS, or a unix socket), which is where
// libvirt lets a mechanism without a security layer be used.
//
// Plain TCP needs a mechanism with a security layer: libvirt demands an SSF of at
// least tcp_min_ssf (56), and DIGEST-MD5 (RFC 2831) is the one stock clients have
// (GSSAPI needs a Kerberos realm). Its auth-conf layer encrypts and signs every byte
// after the exchange; the rpc package's stream carries the records (Layer).
//
// All of it is written here, following what Cyrus SASL's plugins put on the wire: no
// maintained Go library implements SASL's server side with Cyrus's sasldb, and none
// DIGEST-MD5's security layer at all.
package sasl
