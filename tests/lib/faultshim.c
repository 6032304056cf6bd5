/*
 * faultshim: an LD_PRELOAD library for the fault tests. While the file
 * named by TRUCE_FAULT_FDATASYNC exists, fdatasync(2) of any file under a
 * directory named "log" fails with EIO, as a failing disk makes it fail;
 * everything else goes to the C library. Used by tests/integration/
 * io_fault.t (SQLite's own test suite injects I/O errors the same way,
 * through a VFS shim).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fdatasync(int fd);

int
fdatasync(int fd)
{
	static int (*real)(int);
	const char *trigger = getenv("TRUCE_FAULT_FDATASYNC");
	char link[64], path[4096];
	ssize_t n;

	if (trigger != NULL && access(trigger, F_OK) == 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof(path) - 1);
		if (n > 0) {
			path[n] = '\0';
			if (strstr(path, "/log/") != NULL) {
				errno = EIO;
				return -1;
			}
		}
	}
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}
