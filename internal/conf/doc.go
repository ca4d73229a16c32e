// Package conf reads libvirt's configuration file syntax (virconf): "key = value" lines
// where a value is a quoted string ('...', "...", or """...""" spanning lines), an
// integer, or a list "[ v, v, ... ]" that may span lines; '#' starts a comment and ';'
// may separate statements. Errors name the file and line, and typed accessors name the
// key, in libvirt's words.
package conf
