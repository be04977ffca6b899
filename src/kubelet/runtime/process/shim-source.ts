// The C source of k8ts-shim, the process runtime's helper. It is compiled on first use with the
// machine's C compiler (shim-binary.ts) because what it does has no Node equivalent: it must
// outlive the agent (so a restarted agent finds exit codes and complete logs), it creates PID,
// mount, UTS and IPC namespaces and mounts volumes before exec (unshare/mount/chroot between
// fork and exec), enters them again for exec (setns), and owns pseudo-terminals. A per-container
// Node process would cost ~40 MB and ~40 ms each; this costs ~1 MB and well under 1 ms.
//
// Protocol (the TypeScript side is process-runtime.ts, shim-spec.ts and exec-session.ts):
// - `k8ts-shim run SPEC`: SPEC is a file of NUL-separated key/value pairs (shim-spec.ts). The
//   shim prints one line, "ok <pid>" (the container's main process, PID 1 of its namespace) or
//   "err <message>", then detaches from its stdio and supervises: stdout/stderr go line by line
//   to the CRI log file (rotated at logmax bytes, logfiles files kept), and when the main process
//   exits "<code> <signal> <startedMs> <finishedMs> <reason>\n<message>\n" is written to the
//   exit file (atomically: written aside, then renamed).
// - `k8ts-shim exec PID NS TTY CWD NENV ENV... -- ARGV...`: runs ARGV in the container of PID
//   and exits with its status; with TTY=1 the command gets a new terminal relayed over fds 0/1,
//   and "COLS ROWS\n" lines on fd 3 resize it.
import { SHIM_EXEC_AND_MAIN } from './shim-exec-source.js';

/** Headers, spec reading, container setup, the CRI log writer and `run` mode. */
const SHIM_COMMON_AND_RUN = String.raw`/* k8ts process-runtime helper. Two modes:
 *   run SPECFILE   supervise one container: namespaces, mounts, CRI log file, exit status file.
 *                  Prints "ok PID\n" or "err MESSAGE\n" on stdout once, then lives on alone.
 *   exec PID NS TTY CWD NENV ENV... -- ARGV...
 *                  run ARGV inside the container whose PID 1 is PID (setns when NS=1); with
 *                  TTY=1 on a new pseudo-terminal relayed over fds 0/1, resized by "COLS ROWS\n"
 *                  lines on fd 3. Exits with the command's status (128+N for signal N).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAXV 4096
#define LINE_MAX_BYTES 16384

static char *spec_buf;
static const char *reap_pid_path, *ovl_dir, *ovl_opts, *ovl_mk[4];
static int novl_mk;
static const char *log_path, *exit_path, *stdin_path, *hostname_v, *root_v, *upper_v, *work_v, *cwd_v;
static long log_max = 10 * 1024 * 1024;
static int log_files = 5;
static int use_ns = 0;
static char *envv[MAXV + 1], *argvv[MAXV + 1], *msrc[256], *mdst[256];
static int mro[256];
static int nenv, nargs, nmounts;

static void die_msg(int fd, const char *fmt, const char *a, const char *b) {
  char buf[2048];
  int n = snprintf(buf, sizeof buf, fmt, a ? a : "", b ? b : "");
  if (n > 0) (void)!write(fd, buf, n < (int)sizeof buf ? n : (int)sizeof buf - 1);
}

static int read_spec(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0) return -1;
  spec_buf = malloc(st.st_size + 2);
  ssize_t off = 0;
  while (off < st.st_size) {
    ssize_t r = read(fd, spec_buf + off, st.st_size - off);
    if (r <= 0) return -1;
    off += r;
  }
  close(fd);
  spec_buf[off] = 0;
  spec_buf[off + 1] = 0;
  /* key\0value\0 pairs */
  char *p = spec_buf, *end = spec_buf + off;
  while (p < end) {
    char *k = p;
    p += strlen(p) + 1;
    if (p >= end) break;
    char *v = p;
    p += strlen(p) + 1;
    if (!strcmp(k, "log")) log_path = v;
    else if (!strcmp(k, "logmax")) log_max = atol(v);
    else if (!strcmp(k, "logfiles")) log_files = atoi(v);
    else if (!strcmp(k, "exit")) exit_path = v;
    else if (!strcmp(k, "stdin")) stdin_path = v;
    else if (!strcmp(k, "hostname")) hostname_v = v;
    else if (!strcmp(k, "root")) root_v = v;
    else if (!strcmp(k, "upper")) upper_v = v;
    else if (!strcmp(k, "work")) work_v = v;
    else if (!strcmp(k, "cwd")) cwd_v = v;
    else if (!strcmp(k, "ns")) use_ns = atoi(v);
    else if (!strcmp(k, "reap")) reap_pid_path = v;
    else if (!strcmp(k, "ovldir")) ovl_dir = v;
    else if (!strcmp(k, "ovlmkdir") && novl_mk < 4) ovl_mk[novl_mk++] = v;
    else if (!strcmp(k, "ovlopts")) ovl_opts = v;
    else if (!strcmp(k, "env") && nenv < MAXV) envv[nenv++] = v;
    else if (!strcmp(k, "arg") && nargs < MAXV) argvv[nargs++] = v;
    else if (!strcmp(k, "msrc") && nmounts < 256) msrc[nmounts] = v;
    else if (!strcmp(k, "mdst") && nmounts < 256) mdst[nmounts] = v;
    else if (!strcmp(k, "mro") && nmounts < 256) mro[nmounts++] = atoi(v);
  }
  envv[nenv] = NULL;
  argvv[nargs] = NULL;
  return 0;
}

/* ---------- container setup (runs in the child, before exec) ---------- */

static int mkdir_p(const char *path, mode_t mode) {
  char tmp[4096];
  size_t len = strlen(path);
  if (len >= sizeof tmp) return -1;
  memcpy(tmp, path, len + 1);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
      *p = '/';
    }
  }
  if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
  return 0;
}

static const char *env_get(char **env, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; env[i]; i++)
    if (!strncmp(env[i], name, n) && env[i][n] == '=') return env[i] + n + 1;
  return NULL;
}

/* execve with a PATH search in the container's own PATH; returns only on failure. */
static int exec_in_path(char **args, char **env) {
  const char *file = args[0];
  if (!file || !*file) {
    errno = ENOENT;
    return -1;
  }
  if (strchr(file, '/')) return execve(file, args, env);
  const char *path = env_get(env, "PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int saw_eacces = 0;
  char buf[4096];
  for (const char *p = path;;) {
    const char *c = strchr(p, ':');
    size_t l = c ? (size_t)(c - p) : strlen(p);
    if (l + strlen(file) + 2 < sizeof buf) {
      if (l == 0) snprintf(buf, sizeof buf, "%s", file);
      else snprintf(buf, sizeof buf, "%.*s/%s", (int)l, p, file);
      execve(buf, args, env);
      if (errno == EACCES) saw_eacces = 1;
    }
    if (!c) break;
    p = c + 1;
  }
  errno = saw_eacces ? EACCES : ENOENT;
  return -1;
}

static void report_exec_error(int fd, const char *what) {
  if (errno == ENOENT) die_msg(fd, "exec: \"%s\": executable file not found in $PATH", what, NULL);
  else die_msg(fd, "exec: \"%s\": %s", what, strerror(errno));
}

static int setup_root(int errfd) {
  char path[4096];
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    die_msg(errfd, "making / private: %s%s", strerror(errno), NULL);
    return -1;
  }
  if (hostname_v && sethostname(hostname_v, strlen(hostname_v)) < 0) {
    die_msg(errfd, "sethostname: %s%s", strerror(errno), NULL);
    return -1;
  }
  if (!root_v) return 0;
  char opts[8192];
  snprintf(opts, sizeof opts, "lowerdir=/,upperdir=%s,workdir=%s", upper_v, work_v);
  if (mount("overlay", root_v, "overlay", 0, opts) < 0) {
    die_msg(errfd, "mounting the container root (overlay of /): %s%s", strerror(errno), NULL);
    return -1;
  }
  for (int i = 0; i < nmounts; i++) {
    snprintf(path, sizeof path, "%s%s", root_v, mdst[i]);
    struct stat st;
    if (stat(msrc[i], &st) < 0) {
      die_msg(errfd, "volume source %s: %s", msrc[i], strerror(errno));
      return -1;
    }
    if (S_ISDIR(st.st_mode)) {
      if (mkdir_p(path, 0755) < 0) {
        die_msg(errfd, "creating mount point %s: %s", mdst[i], strerror(errno));
        return -1;
      }
    } else {
      char dir[4096];
      snprintf(dir, sizeof dir, "%s", path);
      char *slash = strrchr(dir, '/');
      if (slash && slash != dir) {
        *slash = 0;
        mkdir_p(dir, 0755);
      }
      int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0) close(fd);
    }
    if (mount(msrc[i], path, NULL, MS_BIND | MS_REC, NULL) < 0) {
      die_msg(errfd, "mounting volume at %s: %s", mdst[i], strerror(errno));
      return -1;
    }
    if (mro[i]) mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL);
  }
  snprintf(path, sizeof path, "%s/proc", root_v);
  mkdir_p(path, 0555);
  if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
    die_msg(errfd, "mounting /proc: %s%s", strerror(errno), NULL);
    return -1;
  }
  snprintf(path, sizeof path, "%s/dev", root_v);
  mkdir_p(path, 0755);
  if (mount("/dev", path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    die_msg(errfd, "mounting /dev: %s%s", strerror(errno), NULL);
    return -1;
  }
  snprintf(path, sizeof path, "%s/sys", root_v);
  mkdir_p(path, 0555);
  mount("/sys", path, NULL, MS_BIND | MS_REC, NULL);
  if (chdir(root_v) < 0 || chroot(".") < 0 || chdir("/") < 0) {
    die_msg(errfd, "chroot: %s%s", strerror(errno), NULL);
    return -1;
  }
  return 0;
}

/* ---------- CRI log writer ---------- */

static int log_fd = -1;
static long log_size = 0;
static char partial[2][LINE_MAX_BYTES];
static size_t partial_len[2];

static void rotate(void) {
  char from[4200], to[4200];
  if (log_files < 2) {
    if (ftruncate(log_fd, 0) == 0) log_size = 0;
    return;
  }
  for (int i = log_files - 1; i >= 2; i--) {
    snprintf(from, sizeof from, "%s.%d", log_path, i - 1);
    snprintf(to, sizeof to, "%s.%d", log_path, i);
    rename(from, to);
  }
  snprintf(to, sizeof to, "%s.1", log_path);
  rename(log_path, to);
  close(log_fd);
  log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  log_size = 0;
}

static void write_entry(int stream, const char *data, size_t len, char tag) {
  static char line[LINE_MAX_BYTES + 128];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  int n = snprintf(line, 128, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ %s %c ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec, ts.tv_nsec, stream ? "stderr" : "stdout", tag);
  memcpy(line + n, data, len);
  n += len;
  line[n++] = '\n';
  if (log_size > 0 && log_size + n > log_max) rotate();
  if (log_fd < 0) return;
  ssize_t w = write(log_fd, line, n);
  if (w > 0) log_size += w;
}

static void consume(int stream, const char *buf, size_t len) {
  char *acc = partial[stream];
  for (size_t i = 0; i < len; i++) {
    if (buf[i] == '\n') {
      write_entry(stream, acc, partial_len[stream], 'F');
      partial_len[stream] = 0;
    } else {
      acc[partial_len[stream]++] = buf[i];
      if (partial_len[stream] == LINE_MAX_BYTES) {
        write_entry(stream, acc, partial_len[stream], 'P');
        partial_len[stream] = 0;
      }
    }
  }
}

static void flush_partial(int stream) {
  if (partial_len[stream]) write_entry(stream, partial[stream], partial_len[stream], 'F');
  partial_len[stream] = 0;
}

/* ---------- run mode ---------- */

static int sigpipe_fds[2];
static void on_sigchld(int sig) {
  (void)sig;
  int e = errno;
  (void)!write(sigpipe_fds[1], "c", 1);
  errno = e;
}

static void write_exit(int status, long long started, long long finished, const char *reason, const char *message) {
  char tmp[4200], buf[4096];
  int code = 0, sig = 0;
  if (WIFEXITED(status)) code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) {
    sig = WTERMSIG(status);
    code = 128 + sig;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp", exit_path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  int n = snprintf(buf, sizeof buf, "%d %d %lld %lld %s\n%s\n", code, sig, started, finished, reason ? reason : "-", message ? message : "");
  (void)!write(fd, buf, n);
  fsync(fd);
  close(fd);
  rename(tmp, exit_path);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* reap mode: reaps every child that ended (the starter ARGV, the container's PID 1 reparented
   to us, strays); returns 1 with *status once the container has ended, or the starter failed
   (its status then). */
static pid_t reap_target = 0;
static pid_t reaped_pid[64];
static int reaped_status[64];
static int nreaped = 0;

static int reap_children(pid_t starter, int *status) {
  int st;
  pid_t r;
  while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
    if (r == starter) {
      if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        *status = st;
        return 1;
      }
      char b[32] = {0};
      int fd = open(reap_pid_path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        (void)!read(fd, b, sizeof b - 1);
        close(fd);
      }
      reap_target = (pid_t)atol(b);
      if (reap_target <= 0) {
        *status = st;
        return 1;
      }
    } else if (reap_target && r == reap_target) {
      *status = st;
      return 1;
    } else if (nreaped < 64) {
      /* Maybe the container's PID 1, ended before its starter exited. */
      reaped_pid[nreaped] = r;
      reaped_status[nreaped++] = st;
    }
  }
  if (reap_target) {
    for (int i = 0; i < nreaped; i++) {
      if (reaped_pid[i] == reap_target) {
        *status = reaped_status[i];
        return 1;
      }
    }
  }
  return 0;
}

static int run_mode(const char *specfile) {
  if (read_spec(specfile) < 0 || !log_path || !exit_path || nargs == 0) {
    printf("err invalid container spec %s\n", specfile);
    return 2;
  }
  log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    printf("err opening log file %s: %s\n", log_path, strerror(errno));
    return 2;
  }
  struct stat lst;
  if (fstat(log_fd, &lst) == 0) log_size = lst.st_size;
  int out[2], err[2], st[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0 || pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) {
    printf("err pipe: %s\n", strerror(errno));
    return 2;
  }
  int in_fd;
  if (stdin_path) {
    if (mkfifo(stdin_path, 0600) < 0 && errno != EEXIST) {
      printf("err creating the stdin pipe %s: %s\n", stdin_path, strerror(errno));
      return 2;
    }
    in_fd = open(stdin_path, O_RDWR | O_CLOEXEC); /* RDWR: never blocks, never EOF */
  }
  else in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  /* The runc runtime's container root: an overlay mounted on the node before runc runs. */
  for (int i = 0; i < novl_mk; i++) mkdir_p(ovl_mk[i], 0755);
  if (ovl_dir && ovl_opts && mount("overlay", ovl_dir, "overlay", 0, ovl_opts) < 0 && errno != EBUSY) {
    printf("err failed to mount the container root filesystem (overlay): %s\n", strerror(errno));
    return 2;
  }
  if (use_ns && unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC) < 0) {
    printf("err unshare: %s\n", strerror(errno));
    return 2;
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  /* reap mode: ARGV starts the container and exits (crun run --detach); the container's PID 1 is
     then reparented to us, and its pid is in the file named by "reap" once ARGV exited 0. */
  if (reap_pid_path) prctl(PR_SET_CHILD_SUBREAPER, 1);
  long long started = now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    printf("err fork: %s\n", strerror(errno));
    return 2;
  }
  if (pid == 0) {
    signal(SIGCHLD, SIG_DFL);
    /* The container does not outlive its supervisor: a killed shim takes its PID 1 along (and
       with a PID namespace, everything in it). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    dup2(in_fd, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (use_ns && setup_root(st[1]) < 0) _exit(128);
    if (cwd_v && *cwd_v) {
      mkdir_p(cwd_v, 0755);
      if (chdir(cwd_v) < 0) {
        die_msg(st[1], "chdir to cwd (\"%s\") set in config.json failed: %s", cwd_v, strerror(errno));
        _exit(128);
      }
    }
    exec_in_path(argvv, envv);
    report_exec_error(st[1], argvv[0]);
    _exit(128);
  }
  close(out[1]);
  close(err[1]);
  close(st[1]);
  char msg[2048];
  ssize_t mlen = 0, r;
  while ((r = read(st[0], msg + mlen, sizeof msg - 1 - mlen)) > 0) mlen += r;
  msg[mlen > 0 ? mlen : 0] = 0;
  close(st[0]);
  if (mlen > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    write_exit(status, started, now_ms(), "StartError", msg);
    printf("err %s\n", msg);
    fflush(stdout);
    return 0;
  }
  printf("ok %d\n", pid);
  fflush(stdout);
  /* From here on the agent may be gone: no more output on our own stdio. */
  int devnull = open("/dev/null", O_RDWR);
  dup2(devnull, 0);
  dup2(devnull, 1);
  dup2(devnull, 2);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  struct pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {sigpipe_fds[0], POLLIN, 0}};
  int open_streams = 2, exited = 0, status = 0;
  long long exited_at = 0;
  char buf[65536];
  while (open_streams > 0) {
    int timeout = exited ? 100 : -1;
    int n = poll(fds, 3, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && exited) break; /* pipes held open by escaped processes: stop reading */
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t k = read(fds[i].fd, buf, sizeof buf);
        if (k > 0) consume(i, buf, k);
        else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN)) {
          flush_partial(i);
          close(fds[i].fd);
          fds[i].fd = -1;
          open_streams--;
        }
      }
    }
    if (fds[2].revents & POLLIN) {
      char c[64];
      while (read(sigpipe_fds[0], c, sizeof c) > 0) {
      }
    }
    if (!exited && reap_pid_path) {
      if (reap_children(pid, &status)) {
        exited = 1;
        exited_at = now_ms();
      }
    } else if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
      exited = 1;
      exited_at = now_ms();
      /* The container ends with its main process: without a PID namespace, kill what it left. */
      if (!use_ns) kill(-pid, SIGKILL);
    }
  }
  flush_partial(0);
  flush_partial(1);
  if (!exited && reap_pid_path) {
    while (!reap_children(pid, &status)) {
      struct pollfd p = {sigpipe_fds[0], POLLIN, 0};
      if (poll(&p, 1, 1000) > 0) {
        char c[64];
        while (read(sigpipe_fds[0], c, sizeof c) > 0) {
        }
      }
    }
    exited_at = now_ms();
  } else if (!exited) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    exited_at = now_ms();
  }
  write_exit(status, started, exited_at, NULL, NULL);
  return 0;
}
`;

export const SHIM_SOURCE = SHIM_COMMON_AND_RUN + SHIM_EXEC_AND_MAIN;
