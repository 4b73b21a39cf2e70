/*
 * The pf port's live capture, as far as it can be tried on any system:
 * opening something that is not a pflog interface must fail with a
 * message, never succeed or crash.
 */
#include <string.h>

#include "capture.h"
#include "t.h"

int
main(void)
{
	struct capture *c;
	char err[256];

	err[0] = '\0';
	c = capture_open_live("mxnosuchif0", "port 25", err, sizeof(err));
	CHECK(c == NULL && err[0] != '\0',
	    "a missing interface is refused: %s", err);
	CHECK(strstr(err, "No such device exists (No such device exists)") ==
	    NULL, "and the reason is said once");
	capture_close(c);

	/* Root gets a capture of the wrong link type; others no capture. */
	err[0] = '\0';
	c = capture_open_live("lo", "port 25", err, sizeof(err));
	CHECK(c == NULL && err[0] != '\0',
	    "a non-pflog interface is refused: %s", err);
	capture_close(c);

	CHECK(CAPTURE_SNAPLEN >= 100 + 40 + 40 + 60,
	    "snap length covers pflog, IPv6 with options, and TCP");
	return T_DONE();
}
