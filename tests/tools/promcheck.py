#!/usr/bin/env python3
"""promcheck.py FILE [STATISTICS-LINE]: parse a metrics file with the
Prometheus text-format parser (prometheus_client.parser); every family
must have a HELP text and be a counter or a gauge with one sample, and
the gauges mxallowd_whitelist_entries, mxallowd_allow_entries and
mxallowd_sync_connected must be there, as gauges.  With
a statistics line ("fake-mx hits 2, whitelisted 2, ..."), every counter
of it must equal its metric.  Prints what is wrong; exit status 0 or 1."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = open(sys.argv[1]).read()
    values, bad, types = {}, [], {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        if not fam.documentation or fam.type not in ("counter", "gauge"):
            bad.append("%s: no HELP or type %s" % (fam.name, fam.type))
        if len(fam.samples) != 1:
            bad.append("%s: %d samples" % (fam.name, len(fam.samples)))
        for s in fam.samples:
            values[s.name] = int(s.value)
    for gauge in ("mxallowd_whitelist_entries", "mxallowd_allow_entries",
                  "mxallowd_sync_connected"):
        if types.get(gauge) != "gauge":
            bad.append("%s: %s, not a gauge" % (gauge, types.get(gauge)))
    if len(sys.argv) > 2:
        line = sys.argv[2].split("statistics: ", 1)[-1]
        for field in line.split(", "):
            label, _, value = field.rpartition(" ")
            key = label.replace("-", "_").replace(" ", "_")
            gauge = key.endswith("_entries") or key == "sync_connected"
            name = "mxallowd_" + key + ("" if gauge else "_total")
            if values.get(name) != int(value):
                bad.append("%s: %s in the file, %s logged" %
                           (name, values.get(name), value))
    for b in bad:
        print(b)
    print("%d metrics" % len(values))
    return 1 if bad or not values else 0


sys.exit(main())
