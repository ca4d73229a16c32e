package storage

import (
	"os"
	"syscall"
)

// statOwner is a file's uid and gid.
func statOwner(st os.FileInfo) [2]int64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return [2]int64{int64(s.Uid), int64(s.Gid)}
	}
	return [2]int64{-1, -1}
}
