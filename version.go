// Package virtunit holds what belongs to the project as a whole rather than to one
// daemon: its version number.
package virtunit

import (
	_ "embed"
	"strings"
)

// versionFile is the VERSION file at the top of the tree, the one place the version is
// set: meson.build reads it for the project's version, and the binaries embed it, so a
// plain "go build" reports the same number as a meson build.
//
//go:embed VERSION
var versionFile string

// Version is virtunit's version, as the daemons' --version prints it.
func Version() string { return strings.TrimSpace(versionFile) }
