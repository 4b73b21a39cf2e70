#ifndef MX_VERSION_H
#define MX_VERSION_H
#define MXALLOWD_VERSION	"2.0.0"
#endif
