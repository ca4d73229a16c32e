package storage

import (
	"math"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// parseSize reads a <capacity> or <allocation> as libvirt's virStorageSize does: a
// non-negative decimal integer, scaled by the unit (bytes when none), at most
// LLONG_MAX since no file can be larger.
func parseSize(value, unit string) (uint64, error) {
	digits := strings.TrimLeft(value, " \t\n\r\v\f") // strtoull skips leading blanks
	digits = strings.TrimPrefix(digits, "+")
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, virerror.New(libvirt.ErrXMLError, virerror.FromStorage, "malformed capacity element")
	}
	return scale(v, unit, 1, math.MaxInt64)
}

// scale is libvirt's virScaleInteger: unit is empty (def applies), b/byte/bytes, or a
// prefix k, m, g, t, p, e alone or with iB (powers of 1024) or with B (powers of 1000).
func scale(v uint64, unit string, def, limit uint64) (uint64, error) {
	factor := def
	switch {
	case unit == "":
	case strings.EqualFold(unit, "b"), strings.EqualFold(unit, "byte"), strings.EqualFold(unit, "bytes"):
		factor = 1
	default:
		var base uint64
		switch rest := unit[1:]; {
		case rest == "" || strings.EqualFold(rest, "iB"):
			base = 1024
		case len(rest) == 1 && (rest[0] == 'b' || rest[0] == 'B'):
			base = 1000
		default:
			return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage, "unknown suffix '%s'", unit)
		}
		i := strings.IndexByte("kmgtpe", lower(unit[0]))
		if i < 0 {
			return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage, "unknown suffix '%s'", unit)
		}
		factor = 1
		for ; i >= 0; i-- {
			factor *= base
		}
	}
	if v != 0 && v > limit/factor {
		return 0, virerror.New(libvirt.ErrOverflow, virerror.FromStorage, "value too large: %d%s", v, unit)
	}
	return v * factor, nil
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
