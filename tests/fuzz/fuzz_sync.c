/*
 * Fuzz target: the sync event parser (sync_event_parse()), fed the input
 * as one event, the bytes anybody who may publish on the channel, or
 * write a key, can send every gate.  The first 8 bytes, when there are
 * that many, move our clock and whitelist-time, so that the time checks
 * are reached from both sides.
 *
 * Whatever the input: the result is one of the three; a refusal comes
 * with a reason; an accepted or stale event has a valid gate name, an
 * operation, a key in its family with its host bits zero and a prefix no
 * wider than the whitelist allows; an accepted addition expires after
 * now and no further than whitelist-time and the clocks' difference
 * ahead, an accepted deletion is no later than that difference ahead.
 * Written out again, an accepted or stale event is exactly the input.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "sync_event.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_event ev;
	struct mx_addr masked;
	char line[SYNC_EVENT_MAX + 1], why[128];
	int64_t now = 1700000000000LL, wl = 3600000;
	enum sync_parse rc;
	int n;

	if (size >= 8) {
		now += (int64_t)(data[0] | data[1] << 8 | data[2] << 16) *
		    1000;
		wl = ((int64_t)(data[3] | data[4] << 8) + 1) * 1000;
		data += 8;
		size -= 8;
	}
	why[0] = '\0';
	rc = sync_event_parse((const char *)data, size, now, wl, &ev, why,
	    sizeof(why));
	REQUIRE(rc == SYNC_PARSE_OK || rc == SYNC_PARSE_STALE ||
	    rc == SYNC_PARSE_BAD);
	if (rc == SYNC_PARSE_BAD) {
		REQUIRE(why[0] != '\0');
		return 0;
	}
	REQUIRE(size <= SYNC_EVENT_MAX);
	REQUIRE(sync_name_valid(ev.gate));
	REQUIRE(ev.op == SYNC_ADD || ev.op == SYNC_DELETE);
	REQUIRE(addr_is_v4(&ev.addr) ? ev.prefix >= 8 && ev.prefix <= 32 :
	    ev.prefix >= 16 && ev.prefix <= 128);
	masked = ev.addr;
	addr_mask(&masked, addr_is_v4(&ev.addr) ? 96 + ev.prefix : ev.prefix);
	REQUIRE(addr_equal(&masked, &ev.addr));
	REQUIRE(ev.ms > 0);
	if (rc == SYNC_PARSE_OK && ev.op == SYNC_ADD)
		REQUIRE(ev.ms > now && ev.ms <= now + wl + SYNC_SKEW_MS);
	if (ev.op == SYNC_DELETE)
		REQUIRE(ev.ms <= now + SYNC_SKEW_MS);
	n = sync_event_format(&ev, line, sizeof(line));
	REQUIRE(n > 0 && (size_t)n == size && memcmp(line, data, size) == 0);
	return 0;
}
