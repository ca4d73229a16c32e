// Package sasl is the server side of SASL as libvirt's daemons speak it through Cyrus
// SASL (the "libvirt" service): the configuration in /etc/sasl2/libvirt.conf
// (mech_list, sasldb_path), the users saslpasswd2 keeps in that Berkeley DB file, and
// the mechanisms stock clients (virsh with libsasl2-modules) negotiate with it.
//
// SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802) are implemented: they prove the password
// without sending it and work wherever the channel is already secure (TLS, or a unix
// socket), which is where libvirt lets a mechanism without a security layer be used.
// Plain TCP needs a mechanism with a security layer (libvirt demands an SSF of 56);
// DIGEST-MD5 is the one stock clients have.
package sasl
