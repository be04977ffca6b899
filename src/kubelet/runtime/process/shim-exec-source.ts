// The second half of k8ts-shim's C source (see shim-source.ts): `exec` mode, which enters a
// running container's namespaces and root (setns, chroot) and runs a command there, on a new
// pseudo-terminal when asked (posix_openpt; the helper relays it over its stdin/stdout and takes
// "COLS ROWS" resize lines on fd 3), and main(). Uses helpers defined in the first half.

import { SHIM_SPAWNER } from './shim-spawner-source.js';

export const SHIM_EXEC_AND_MAIN = String.raw`/* ---------- exec mode ---------- */

static pid_t exec_child = 0;
static void forward_kill(int sig) {
  (void)sig;
  if (exec_child > 0) kill(exec_child, SIGKILL);
  _exit(137);
}

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

static int exec_mode(int argc, char **argv) {
  /* exec PID NS TTY CWD NENV ENV... -- ARGV... */
  if (argc < 7) return 125;
  int target = atoi(argv[2]);
  int ns = atoi(argv[3]);
  int tty = atoi(argv[4]);
  const char *cwd = argv[5];
  int ne = atoi(argv[6]);
  if (ne < 0 || 7 + ne >= argc) return 125;
  char **env = calloc(ne + 1, sizeof(char *));
  for (int i = 0; i < ne; i++) env[i] = argv[7 + i];
  int ai = 7 + ne;
  if (strcmp(argv[ai], "--")) return 125;
  char **args = argv + ai + 1;
  if (!args[0]) return 125;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (ns) {
    char p[128];
    const char *kinds[] = {"ipc", "uts", "pid", "mnt"};
    int fds[4];
    for (int i = 0; i < 4; i++) {
      snprintf(p, sizeof p, "/proc/%d/ns/%s", target, kinds[i]);
      fds[i] = open(p, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0) {
        fprintf(stderr, "container process %d is gone: %s\n", target, strerror(errno));
        return 126;
      }
    }
    snprintf(p, sizeof p, "/proc/%d/root", target);
    int rootfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; i < 4; i++) {
      if (setns(fds[i], 0) < 0) {
        fprintf(stderr, "entering the container's %s namespace: %s\n", kinds[i], strerror(errno));
        return 126;
      }
    }
    if (rootfd < 0 || fchdir(rootfd) < 0 || chroot(".") < 0) {
      fprintf(stderr, "entering the container's root: %s\n", strerror(errno));
      return 126;
    }
  }
  int master = -1;
  char *slave_name = NULL;
  if (tty) {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || !(slave_name = ptsname(master))) {
      fprintf(stderr, "allocating a pseudo-terminal: %s\n", strerror(errno));
      return 126;
    }
  }
  int st[2];
  if (pipe2(st, O_CLOEXEC) < 0) return 126;
  pid_t pid = fork();
  if (pid < 0) return 126;
  if (pid == 0) {
    if (tty) {
      setsid();
      int s = open(slave_name, O_RDWR);
      if (s < 0) _exit(126);
      ioctl(s, TIOCSCTTY, 0);
      dup2(s, 0);
      dup2(s, 1);
      dup2(s, 2);
      if (s > 2) close(s);
    }
    close(3);
    if (cwd && *cwd && chdir(cwd) < 0) {
      fprintf(stderr, "chdir %s: %s\n", cwd, strerror(errno));
      _exit(126);
    }
    exec_in_path(args, env);
    int e = errno;
    report_exec_error(st[1], args[0]);
    _exit(e == ENOENT ? 127 : 126);
  }
  exec_child = pid;
  signal(SIGTERM, forward_kill);
  signal(SIGHUP, forward_kill);
  signal(SIGINT, forward_kill);
  signal(SIGPIPE, SIG_IGN);
  close(st[1]);
  char msg[1024];
  ssize_t ml = read(st[0], msg, sizeof msg - 1);
  close(st[0]);
  if (ml > 0) {
    msg[ml] = 0;
    fprintf(stderr, "%s\n", msg);
  }
  int status = 0;
  if (!tty) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return exit_code_of(status);
  }
  struct pollfd fds[3] = {{0, POLLIN, 0}, {master, POLLIN, 0}, {3, POLLIN, 0}};
  if (fcntl(3, F_GETFD) < 0) fds[2].fd = -1;
  char buf[65536], ctl[256];
  size_t ctl_len = 0;
  int child_done = 0;
  for (;;) {
    int n = poll(fds, 3, child_done ? 50 : 500);
    if (n < 0 && errno == EINTR) continue;
    if (!child_done && waitpid(pid, &status, WNOHANG) == pid) child_done = 1;
    if (n == 0 && child_done) break;
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t k = read(master, buf, sizeof buf);
      if (k > 0) {
        for (ssize_t off = 0; off < k;) {
          ssize_t w = write(1, buf + off, k - off);
          if (w <= 0) break;
          off += w;
        }
      } else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN)) {
        break; /* EIO: every holder of the terminal is gone */
      }
    }
    if (fds[0].fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t k = read(0, buf, sizeof buf);
      if (k > 0) (void)!write(master, buf, k);
      else if (k == 0 || errno != EINTR) {
        (void)!write(master, "\x04", 1); /* end of input reads as ^D on the terminal */
        fds[0].fd = -1;
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t k = read(3, ctl + ctl_len, sizeof ctl - 1 - ctl_len);
      if (k <= 0) fds[2].fd = -1;
      else {
        ctl_len += k;
        char *nl;
        while ((nl = memchr(ctl, '\n', ctl_len))) {
          *nl = 0;
          int cols = 0, rows = 0;
          if (sscanf(ctl, "%d %d", &cols, &rows) == 2 && cols > 0 && rows > 0) {
            struct winsize ws = {0};
            ws.ws_col = cols;
            ws.ws_row = rows;
            ioctl(master, TIOCSWINSZ, &ws);
          }
          size_t used = nl - ctl + 1;
          memmove(ctl, nl + 1, ctl_len - used);
          ctl_len -= used;
        }
        if (ctl_len >= sizeof ctl - 1) ctl_len = 0;
      }
    }
  }
  if (!child_done) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  return exit_code_of(status);
}

${SHIM_SPAWNER}
/* ---------- pod mode (the runc runtime's sandboxes) ---------- */

/* Holds the namespace WHAT of this process with a bind mount of its nsfs file on TARGET. */
static int bind_ns(const char *what, const char *target) {
  char src[64];
  snprintf(src, sizeof src, "/proc/self/ns/%s", what);
  int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
  if (mount(src, target, NULL, MS_BIND, NULL) < 0) {
    fprintf(stderr, "bind mount of the %s namespace on %s: %s\n", what, target, strerror(errno));
    return -1;
  }
  return 0;
}

/* Runs "IP -batch -" with BATCH on its stdin; its complaints go to our stderr. */
static int ip_batch(const char *ip, const char *batch) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(p[0], 0);
    char *args[] = {(char *)ip, "-batch", "-", NULL};
    execvp(ip, args);
    fprintf(stderr, "%s: %s\n", ip, strerror(errno));
    _exit(127);
  }
  close(p[0]);
  size_t len = strlen(batch), off = 0;
  while (off < len) {
    ssize_t w = write(p[1], batch + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += w;
  }
  close(p[1]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* pod IPCFILE NETFILE UTSFILE HOSTNAME IP HOSTBATCH PODBATCH [PATH CONTENT]...: writes the files,
   then a new IPC namespace, and unless
   NETFILE is empty new network and UTS ones with HOSTNAME, each held by a bind mount on its file;
   then "IP -batch -" runs HOSTBATCH in the node's network namespace and PODBATCH in the pod's
   (the veth pair, then eth0's address and route). One process per pod instead of three. */
static int pod_mode(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: k8ts-shim pod IPCFILE NETFILE UTSFILE HOSTNAME IP HOSTBATCH PODBATCH [PATH CONTENT]...\n");
    return 2;
  }
  const char *ipc = argv[2], *net = argv[3], *uts = argv[4], *host = argv[5], *ip = argv[6], *hb = argv[7], *pb = argv[8];
  int with_net = *net != 0;
  /* Then PATH CONTENT pairs: the pod's files (hosts, hostname, resolv.conf). */
  for (int i = 9; i + 1 < argc; i += 2) {
    int fd = open(argv[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(argv[i + 1]);
    if (fd < 0 || write(fd, argv[i + 1], len) != (ssize_t)len) {
      fprintf(stderr, "writing %s: %s\n", argv[i], strerror(errno));
      return 1;
    }
    close(fd);
  }
  signal(SIGPIPE, SIG_IGN);
  int hostfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (hostfd < 0) {
    fprintf(stderr, "open /proc/self/ns/net: %s\n", strerror(errno));
    return 1;
  }
  if (unshare(CLONE_NEWIPC | (with_net ? CLONE_NEWNET | CLONE_NEWUTS : 0)) < 0) {
    fprintf(stderr, "unshare: %s\n", strerror(errno));
    return 1;
  }
  if (bind_ns("ipc", ipc) < 0) return 1;
  if (!with_net) return 0;
  if (*host && sethostname(host, strlen(host)) < 0) {
    fprintf(stderr, "sethostname %s: %s\n", host, strerror(errno));
    return 1;
  }
  if (bind_ns("net", net) < 0 || bind_ns("uts", uts) < 0) return 1;
  int podfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (podfd < 0 || setns(hostfd, CLONE_NEWNET) < 0) {
    fprintf(stderr, "back to the node's network namespace: %s\n", strerror(errno));
    return 1;
  }
  if (*hb && ip_batch(ip, hb) < 0) return 1;
  if (setns(podfd, CLONE_NEWNET) < 0) {
    fprintf(stderr, "into the pod's network namespace: %s\n", strerror(errno));
    return 1;
  }
  if (*pb && ip_batch(ip, pb) < 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "run")) return run_mode(argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "exec")) return exec_mode(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "pod")) return pod_mode(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "spawner")) return spawner_mode();
  if (argc >= 2 && !strcmp(argv[1], "version")) {
    puts("k8ts-shim 1");
    return 0;
  }
  fprintf(stderr, "usage: k8ts-shim run SPECFILE | exec PID NS TTY CWD NENV ENV... -- ARGV...\n");
  return 2;
}
`;
