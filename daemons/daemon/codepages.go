package daemon

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// dropCodePages unmaps the pages of the daemon's own executable that the work so far
// touched: its code and read-only data (never the writable data). The kernel maps a
// file's pages around every page fault, 64 KiB at a time, and reflection over
// libvirt's XML types reads type data all over the binary, so after start-up or a
// burst of work nearly all of the executable is resident, though an idle daemon runs a
// small part of it. Afterwards what runs again is faulted back from the page cache,
// without reading ahead (MADV_RANDOM): the pages stay in memory as the kernel's cache
// of the file, which it can reclaim, rather than pinned as mapped executable pages,
// which it protects. Errors are ignored: this only saves memory.
func dropCodePages() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "start-end perms offset dev inode path"
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 || fs[5] != exe || strings.Contains(fs[1], "w") {
			continue
		}
		lo, hi, _ := strings.Cut(fs[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		// Raw calls: the ranges are the runtime's own mappings, not Go memory.
		unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_RANDOM)
		unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED)
	}
}
