package sasl

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"strings"
)

// ConfigFile is where Cyrus SASL reads the "libvirt" service's settings.
const ConfigFile = "/etc/sasl2/libvirt.conf"

// DefaultSASLDB is Cyrus SASL's own default user database.
const DefaultSASLDB = "/etc/sasldb2"

// Config is the service's settings: which mechanisms to offer (mech_list; empty
// means every one implemented) and where the users are.
type Config struct {
	Mechs  []string
	SASLDB string
}

// LoadConfig reads a Cyrus SASL service file ("key: value" lines, '#' comments). A
// missing file leaves the defaults.
func LoadConfig(path string) (Config, error) {
	c := Config{SASLDB: DefaultSASLDB}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "mech_list":
			c.Mechs = strings.FieldsFunc(strings.ToUpper(v), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
		case "sasldb_path":
			c.SASLDB = v
		}
	}
	return c, sc.Err()
}
