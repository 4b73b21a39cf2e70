/*
 * A main() for a fuzz target without libFuzzer: feeds files to
 * LLVMFuzzerTestOneInput(), each in a heap buffer of exactly its size, so
 * that a sanitizer or valgrind sees any read past the end.
 *
 * usage: NAME [-v] [file | directory ...]
 *
 * A directory stands for the regular files in it, in name order.  With no
 * operand, the target's committed inputs are replayed from the top of the
 * source tree: tests/fuzz/corpus/NAME (which must exist) and every file of
 * tests/fuzz/crashes/NAME (which may not), NAME being this program's name.
 * Output is TAP: one line per directory, one per crash and per file named;
 * a crash is reported as "not ok" before the process dies with it.  -v
 * names every input on standard error before it is run.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Present only in a sanitizer build: reports a crash it ends. */
void	__sanitizer_set_death_callback(void (*)(void))
	    __attribute__((weak));

static int	 tap_n;
static bool	 verbose;
static char	 current[PATH_MAX];	/* the input being run */

static void
write_str(const char *s)
{
	ssize_t n;
	size_t len = strlen(s);

	while (len > 0 && (n = write(STDOUT_FILENO, s, len)) > 0) {
		s += n;
		len -= (size_t)n;
	}
}

/* Only async-signal-safe calls: this runs in a signal handler too. */
static void
report_crash(void)
{
	char num[24], *p = num + sizeof(num);
	int n = tap_n + 1;

	*--p = '\0';
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	write_str("not ok ");
	write_str(p);
	write_str(" - crash on ");
	write_str(current);
	write_str("\n");
}

static void
on_signal(int sig)
{
	report_crash();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t len;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	len = (size_t)st.st_size;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL ||
	    fread(buf, 1, len, fp) != len) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	snprintf(current, sizeof(current), "%s", path);
	if (verbose)
		fprintf(stderr, "# %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
regular(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/*
 * Run every regular file of dir; each one is a test line if each is set.
 * Returns how many ran, or -1 if dir cannot be read or a file failed.
 */
static int
run_dir(const char *dir, bool each)
{
	struct dirent **names;
	struct stat st;
	char path[PATH_MAX];
	int i, n, ran = 0, rc = 0;

	if ((n = scandir(dir, &names, regular, alphasort)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) == -1)
				rc = -1;
			else if (each)
				printf("ok %d - %s\n", ++tap_n, path);
			ran++;
		}
		free(names[i]);
	}
	free(names);
	return rc == -1 ? -1 : ran;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
main(int argc, char *argv[])
{
	const char *name;
	char dir[PATH_MAX];
	int failed = 0, i, n;

	if ((name = strrchr(argv[0], '/')) != NULL)
		name++;
	else
		name = argv[0];
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = true;
		argc--;
		argv++;
	}
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	signal(SIGILL, on_signal);
	if (__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(report_crash);

	if (argc == 1) {
		snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", name);
		if ((n = run_dir(dir, false)) <= 0) {
			printf("not ok %d - %s: no corpus in %s\n", ++tap_n,
			    name, dir);
			failed++;
		} else
			printf("ok %d - %s: %d inputs of %s\n", ++tap_n, name,
			    n, dir);
		snprintf(dir, sizeof(dir), "tests/fuzz/crashes/%s", name);
		if (is_dir(dir) && run_dir(dir, true) == -1) {
			printf("not ok %d - %s: cannot read %s\n", ++tap_n,
			    name, dir);
			failed++;
		}
	}
	for (i = 1; i < argc; i++) {
		if (is_dir(argv[i]))
			n = run_dir(argv[i], false);
		else
			n = run_file(argv[i]) == -1 ? -1 : 1;
		if (n == -1) {
			printf("not ok %d - %s: cannot read %s\n", ++tap_n,
			    name, argv[i]);
			failed++;
		} else
			printf("ok %d - %s: %d input%s of %s\n", ++tap_n, name,
			    n, n == 1 ? "" : "s", argv[i]);
	}
	printf("1..%d\n", tap_n);
	return failed > 0;
}
