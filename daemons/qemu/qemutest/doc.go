// Package qemutest builds the guests the QEMU driver is tested with, from sources and
// packages, in the test's own setup (nothing is downloaded into the repository):
//
//   - TinyImage: a ~1 KiB multiboot image assembled from tinyboot/boot.S with GNU as
//     and ld. It prints a ready line on the serial port and powers off on the ACPI
//     power button; "nopower" on its command line makes it ignore the button.
//   - Firmware: qboot.rom, for a guest that only needs to be running.
//   - LinuxGuest: the Debian cloud kernel (apt-get download, dpkg-deb -x) with a
//     busybox initramfs that answers the power button and keeps a shell on ttyS0.
//
// Built guests are cached, content-addressed, in a world-readable directory under the
// system temporary directory, so session daemons running as another user can read them
// and repeated test runs pay nothing.
package qemutest
