package sasl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// The Berkeley DB hash file saslpasswd2 writes: a meta page, then hash pages whose
// items are key/data pairs. Keys are "user\0realm\0property"; the property that
// matters is "userPassword".
const (
	bdbHashMagic     = 0x061561
	bdbPageHash      = 13 // P_HASH (8 before Berkeley DB 4.6)
	bdbPageHashOld   = 8
	bdbPageUnsorted  = 2 // P_HASH_UNSORTED
	bdbItemKeyData   = 1 // H_KEYDATA
	bdbPageHeaderLen = 26
)

// readSASLDB returns the userPassword of every user in the file, by "user\0realm".
func readSASLDB(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 512 {
		return nil, fmt.Errorf("%s: not a Berkeley DB hash file", path)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint32(b[12:]) == bdbHashMagic:
	case binary.BigEndian.Uint32(b[12:]) == bdbHashMagic:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%s: not a Berkeley DB hash file", path)
	}
	pageSize := int(bo.Uint32(b[20:]))
	if pageSize < 512 || pageSize > 65536 {
		return nil, fmt.Errorf("%s: bad page size %d", path, pageSize)
	}
	users := map[string]string{}
	for off := pageSize; off+pageSize <= len(b); off += pageSize {
		pg := b[off : off+pageSize]
		if t := pg[25]; t != bdbPageHash && t != bdbPageHashOld && t != bdbPageUnsorted {
			continue
		}
		n := int(bo.Uint16(pg[20:]))
		if bdbPageHeaderLen+2*n > pageSize {
			continue
		}
		offs := make([]int, n)
		for i := range offs {
			offs[i] = int(bo.Uint16(pg[bdbPageHeaderLen+2*i:]))
		}
		item := func(i int) ([]byte, bool) {
			end := pageSize
			if i > 0 {
				end = offs[i-1]
			}
			start := offs[i]
			if start <= 0 || start >= end || end > pageSize || pg[start] != bdbItemKeyData {
				return nil, false // big and duplicate items are never a password entry
			}
			return pg[start+1 : end], true
		}
		for i := 0; i+1 < n; i += 2 {
			k, ok1 := item(i)
			v, ok2 := item(i + 1)
			if !ok1 || !ok2 {
				continue
			}
			parts := bytes.Split(k, []byte{0})
			if len(parts) != 3 || string(parts[2]) != "userPassword" {
				continue
			}
			users[string(parts[0])+"\x00"+string(parts[1])] = string(v)
		}
	}
	return users, nil
}

var errNoUser = errors.New("no such user")
