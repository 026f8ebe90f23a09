// Every line shape the parsers recognise, in one place. Applied to a normalised line (see
// normalize.ts: no CR, no ANSI, NBSP as space, outer whitespace trimmed). Sources: tools/testing/selftests/bpf/test_progs.c, test_progs.h, test_verifier.c, test_maps.c.

/** test_progs result line, every format since v5.14: `#12 align:OK`, `#326/10  sockopt/x: y:OK`. */
export const TP_RESULT =
  /^#(\d+)(?:\/(\d+))?[ \t]+(\S.*?):(OK|FAIL|SKIP)(?: \((?:SKIP: (\d+)\/(\d+)|not built)\))?$/;
/** test_progs Summary, every format (~2019 without SKIPPED, patch-branch `(N not built)`, `x/y FAILED`). */
export const TP_SUMMARY =
  /^Summary: (\d+)\/(\d+) PASSED, (?:(\d+) SKIPPED(?: \((\d+) not built\))?, )?(?:(\d+)\/)?(\d+) FAILED$/;
export const TP_ERROR_LOGS = 'All error logs:';
/** Assertion PASS line: always ends in ` <int> nsec`. */
export const ASSERT_PASS = /^([A-Za-z_]\w*):PASS:(.*) (-?\d+) nsec$/;
export const ASSERT_FAIL = /^([A-Za-z_]\w*):FAIL:(.*)$/;
export const CRASH = /^(?:\[(\d+)\]: )?Caught signal #(\d+)!$/;
export const STACK_TRACE = 'Stack trace:';
/** glibc backtrace_symbols_fd: `./test_progs(crash_handler+0x28)[0x5555567ed91c]`. */
export const BACKTRACE_FRAME = /^\S*\(.*\)\[0x[0-9a-f]+\]$/;
export const WATCHDOG =
  /^WATCHDOG: test case (.+) executes for (\d+) seconds(, terminating with SIGSEGV|\.\.\.)$/;
export const TESTMOD_MISSING =
  /^(?:Can't find bpf_testmod\.ko kernel module|Failed to load bpf_testmod\.ko into the kernel): (-?\d+)$/;
export const TESTMOD_SKIPPED = 'WARNING! Selftests relying on bpf_testmod.ko will be skipped.';
export const FLAVOR = /^Switching to flavor '([\w-]+)' subdirectory\.\.\.$/;
/** `--debug` worker progress on stderr: `[2]: #45:bpf_iter running.` */
export const WORKER_PROGRESS = /^\[(\d+)\]: #(\d+):(.+) (running|done)\.$/;

/** test_verifier: `#920/p <description> <verdict>`; the verdict may come on a later line. */
export const TV_RESULT = /^#(\d+)\/([up]) (.*)$/;
export const TV_SUMMARY = /^Summary: (\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED$/;
/** A test_verifier verdict at the end of the line (`OK`, `3 cases OK`, `OK (NOTE: ...)`). */
export const TV_PASS_END = /(?:^|\s)(?:\d+ cases )?OK(?: \(NOTE: [^)]*\))?$/;

export const TM_OK = /^test_maps: OK, (\d+) SKIPPED$/;
export const TM_PASS = /^(\w+):PASS(?: (.*))?$/;
export const TM_SKIP = /^(\w+):? SKIP\b:?(?: (.*))?$/;
export const TM_FAIL = /^(\w+)\((\d+)\):FAIL:(.*)$/;
export const TM_FORK = /^Fork (\d+) tasks to '([^']*)'$/;
/** assert() in a forked child: `test_maps: test_maps.c:1234: test_foo: Assertion `x' failed.` */
export const TM_ASSERT = /^test_maps: (\S+?):(\d+): (\w+): Assertion (.*) failed\.$/;
export const TM_FAILED_FREE = /^Failed (\w+)\b(.*)$/;

/** kselftest runner: `ok 1 selftests: bpf: test_verifier`, `not ok 3 selftests: bpf: test_maps # exit=1`. */
export const TAP_RESULT =
  /^(not ok|ok) (\d+) selftests: (\S+): (\S+)(?: # (SKIP|TIMEOUT (\d+) seconds|exit=(\d+)))?/;
export const TAP_START = /^# selftests: (\S+): (\S+)$/;

/** Where a command line names a selftest binary: `./test_progs -j`, `$ test_progs`, `sudo .../test_maps`. */
export const COMMAND = /(?:^|\/|[$#] )(test_progs(?:-[A-Za-z0-9_]+)?|test_verifier|test_maps)(?=[ \t'"]|$)/;
/** Ends of a run the shell or a wrapper reports. */
export const EXIT_LINE =
  /^(?:Command failed with exit code: (-?\d+)|\+\+\+ exited with (\d+) \+\+\+|\+\+\+ killed by (SIG\w+).*\+\+\+)$/;
export const SHELL_SIGNAL = /^(Segmentation fault|Aborted|Killed|Bus error)(?: \(core dumped\))?$/;

/** Kernel console prefix: optional `<N>` loglevel, then timestamp / caller fields. */
export const CONSOLE_PREFIX = /^(?:<\d+>)?(?:\[ *\d+\.\d+\](?:\[ *[TC]\d+\])? ?)+ */;
/** A console timestamp somewhere inside a line (printk landed in the middle of test output). */
export const CONSOLE_TIMESTAMP_INSIDE = /(?:<\d+>)?\[ *\d+\.\d{6}\]/;

/** Linux's signal numbers on every arch the CI runs (x86_64, aarch64, s390x: asm-generic/signal.h). */
export const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

export function signalName(num: number): string {
  return SIGNAL_NAMES[num] ?? `signal ${num}`;
}
