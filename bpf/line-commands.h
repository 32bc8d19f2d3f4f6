/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Line commands on stdin, shared by osprey-loader and osprey-enforcer: read what is there without
 * blocking the event loop for long, run every complete line, keep a partial one for next time.
 */
#ifndef OSPREY_LINE_COMMANDS_H
#define OSPREY_LINE_COMMANDS_H

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Returns 0 when stdin is closed (the parent is gone), 1 otherwise. */
static int read_command_lines(void (*run)(char *line))
{
	static char buf[65536];
	static size_t have;
	ssize_t n = read(STDIN_FILENO, buf + have, sizeof(buf) - 1 - have);
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	have += n;
	buf[have] = 0;
	char *start = buf, *nl;
	while ((nl = memchr(start, '\n', have - (start - buf)))) {
		*nl = 0;
		run(start);
		start = nl + 1;
	}
	have -= start - buf;
	memmove(buf, start, have);
	if (have == sizeof(buf) - 1)
		have = 0; /* an absurd line: drop it rather than wedge */
	return 1;
}

#endif
