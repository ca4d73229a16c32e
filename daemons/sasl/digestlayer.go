package sasl

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// The constants RFC 2831 section 2.3 and 2.4 derive the layer's keys with.
const (
	sealingClientServer = "Digest H(A1) to client-to-server sealing key magic constant"
	sealingServerClient = "Digest H(A1) to server-to-client sealing key magic constant"
	signingClientServer = "Digest session key to client-to-server signing key magic constant"
	signingServerClient = "Digest session key to server-to-client signing key magic constant"
)

// digestVersion is the message type every record carries.
const digestVersion = 1

// digestLayer is DIGEST-MD5's security layer as Cyrus frames it. Each record is
//
//	integrity (auth-int):      msg, HMAC(Ki, {seqnum, msg})[0..9], 0x0001, seqnum
//	confidentiality (auth-conf): CIPHER(Kc, {msg, pad, HMAC[0..9]}), 0x0001, seqnum
//
// with a sequence number per direction, and the block ciphers chained across records
// (CBC whose IV is the previous record's last block).
type digestLayer struct {
	maxOut int // the most plain bytes one record carries: the peer's maxbuf, less framing

	sendMu sync.Mutex
	kiSend []byte
	seq    uint32
	enc    layerCipher

	kiRecv []byte
	recSeq uint32
	dec    layerCipher
}

// layerCipher is a stream cipher (rc4) or a block cipher in CBC (des, 3des); both
// nil for integrity only.
type layerCipher struct {
	stream cipher.Stream
	block  cipher.BlockMode
}

func (c layerCipher) none() bool { return c.stream == nil && c.block == nil }

func (c layerCipher) crypt(dst, src []byte) {
	if c.stream != nil {
		c.stream.XORKeyStream(dst, src)
	} else {
		c.block.CryptBlocks(dst, src)
	}
}

// newDigestLayer makes the layer from the exchange's H(A1), for the server's side of
// the connection or, with server false, the client's. cipher is nil for auth-int;
// peerMaxBuf is the largest record the other side takes.
func newDigestLayer(ha1 [md5.Size]byte, c *digestCipher, peerMaxBuf int, server bool) *digestLayer {
	sendSign, recvSign := signingServerClient, signingClientServer
	sendSeal, recvSeal := sealingServerClient, sealingClientServer
	if !server {
		sendSign, recvSign, sendSeal, recvSeal = recvSign, sendSign, recvSeal, sendSeal
	}
	kdf := func(key []byte, magic string) []byte {
		s := md5.Sum(append(append([]byte(nil), key...), magic...))
		return s[:]
	}
	l := &digestLayer{
		kiSend: kdf(ha1[:], sendSign),
		kiRecv: kdf(ha1[:], recvSign),
		maxOut: peerMaxBuf - 4 - 16,
	}
	if c != nil {
		l.maxOut = peerMaxBuf - 4 - 25
		l.enc = newLayerCipher(c.name, kdf(ha1[:c.n], sendSeal), true)
		l.dec = newLayerCipher(c.name, kdf(ha1[:c.n], recvSeal), false)
	}
	return l
}

// newLayerCipher keys a cipher with 16 bytes of Kc as Cyrus does: rc4 with all of
// them; des with the first 7 spread over 8 key bytes, 3des (two keys, EDE) with the
// first 14; the IV of both is the last 8.
func newLayerCipher(name string, kc []byte, encrypt bool) layerCipher {
	var b cipher.Block
	switch name {
	case "rc4", "rc4-40", "rc4-56":
		s, _ := rc4.NewCipher(kc) // a 16-byte key is always valid
		return layerCipher{stream: s}
	case "des":
		b, _ = des.NewCipher(desKey(kc[:7]))
	case "3des":
		k1, k2 := desKey(kc[:7]), desKey(kc[7:14])
		b, _ = des.NewTripleDESCipher(append(append(append([]byte(nil), k1...), k2...), k1...))
	}
	iv := kc[8:16]
	if encrypt {
		return layerCipher{block: cipher.NewCBCEncrypter(b, iv)}
	}
	return layerCipher{block: cipher.NewCBCDecrypter(b, iv)}
}

// desKey spreads 56 key bits over the high seven bits of eight bytes (Cyrus's
// slidebits); DES ignores the low, parity, bit.
func desKey(in []byte) []byte {
	return []byte{
		in[0],
		in[0]<<7 | in[1]>>1,
		in[1]<<6 | in[2]>>2,
		in[2]<<5 | in[3]>>3,
		in[3]<<4 | in[4]>>4,
		in[4]<<3 | in[5]>>5,
		in[5]<<2 | in[6]>>6,
		in[6] << 1,
	}
}

func (l *digestLayer) MaxEncode() int { return l.maxOut }

func mac(key []byte, seq uint32, msg []byte) []byte {
	m := hmac.New(md5.New, key)
	var sb [4]byte
	binary.BigEndian.PutUint32(sb[:], seq)
	m.Write(sb[:])
	m.Write(msg)
	return m.Sum(nil)[:10]
}

// Encode makes one record of msg (at most MaxEncode bytes), without the length word
// the stream puts before it.
func (l *digestLayer) Encode(msg []byte) ([]byte, error) {
	if len(msg) > l.maxOut {
		return nil, fmt.Errorf("SASL data length %d too long, max %d", len(msg), l.maxOut)
	}
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	m := mac(l.kiSend, l.seq, msg)
	var out []byte
	if l.enc.none() {
		out = make([]byte, 0, len(msg)+16)
		out = append(append(out, msg...), m...)
	} else {
		pad := 0
		if l.enc.block != nil {
			pad = 8 - (len(msg)+10)%8
		}
		body := make([]byte, len(msg)+pad+10, len(msg)+pad+16)
		copy(body, msg)
		for i := len(msg); i < len(msg)+pad; i++ {
			body[i] = byte(pad)
		}
		copy(body[len(msg)+pad:], m)
		l.enc.crypt(body, body)
		out = body
	}
	out = binary.BigEndian.AppendUint16(out, digestVersion)
	out = binary.BigEndian.AppendUint32(out, l.seq)
	l.seq++
	return out, nil
}

var errLayer = errors.New("DIGEST-MD5 security layer")

// Decode checks one record from the peer and returns its message.
func (l *digestLayer) Decode(rec []byte) ([]byte, error) {
	if len(rec) < 16 {
		return nil, fmt.Errorf("%w: DIGEST-MD5 SASL packets must be at least 16 bytes long", errLayer)
	}
	if len(rec) > digestMaxBuf {
		return nil, fmt.Errorf("%w: encoded packet size too big (%d > %d)", errLayer, len(rec), digestMaxBuf)
	}
	n := len(rec)
	if binary.BigEndian.Uint16(rec[n-6:]) != digestVersion {
		return nil, fmt.Errorf("%w: Wrong Version", errLayer)
	}
	if seq := binary.BigEndian.Uint32(rec[n-4:]); seq != l.recSeq {
		return nil, fmt.Errorf("%w: Incorrect Sequence Number: received %d, expected %d", errLayer, seq, l.recSeq)
	}
	seq := l.recSeq
	l.recSeq++
	var msg, got []byte
	if l.dec.none() {
		msg, got = rec[:n-16], rec[n-16:n-6]
	} else {
		body := rec[:n-6]
		if l.dec.block != nil && len(body)%des.BlockSize != 0 {
			return nil, fmt.Errorf("%w: record of %d bytes is not whole cipher blocks", errLayer, len(body))
		}
		plain := make([]byte, len(body))
		l.dec.crypt(plain, body)
		end := len(plain) - 10
		if l.dec.block != nil {
			pad := int(plain[end-1])
			if pad < 1 || pad > 8 || end-pad < 0 {
				return nil, fmt.Errorf("%w: bad padding", errLayer)
			}
			for _, b := range plain[end-pad : end] {
				if int(b) != pad {
					return nil, fmt.Errorf("%w: bad padding", errLayer)
				}
			}
			msg = plain[:end-pad]
		} else {
			msg = plain[:end]
		}
		got = plain[end:]
	}
	if subtle.ConstantTimeCompare(mac(l.kiRecv, seq, msg), got) != 1 {
		return nil, fmt.Errorf("%w: CMAC doesn't match", errLayer)
	}
	return msg, nil
}
