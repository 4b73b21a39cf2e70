# OpenBSD's make reads Makefile (not BSDmakefile); GNU make reads
# GNUmakefile first and never this file.
.include "BSDmakefile"
