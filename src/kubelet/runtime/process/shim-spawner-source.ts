// The C source of k8ts-shim's spawner mode (part of SHIM_SOURCE, see shim-source.ts), used by the
// runc runtime (../runc/spawner.ts). The agent is a big Node process: every child it spawns
// forks it (copying its page tables) and blocks its event loop until the child has exec'd, a
// few ms each and tens of ms on a busy machine. In a burst of pod starts that is the agent's
// main serialisation point, so it forks one spawner and lets it start the rest.
//
// Frames in both directions: a 4-byte length in host byte order, then the payload.
// - agent -> spawner: "r\0ID\0DETACH\0ARG0\0ARG1\0..." runs ARGV (PATH searched) in a new
//   session with stdin /dev/null and stdout/stderr piped; "k\0ID\0SIGNAL\0" signals job ID.
// - spawner -> agent: "o\0ID\0PID\0" + the first line of stdout (DETACH=1 jobs, once it is
//   written or stdout closed); "d\0ID\0WAITSTATUS\0OUTLEN\0" + stdout + stderr once the job
//   exited (a DETACH=1 job's output after its first line is not kept).
// EOF on stdin ends the spawner once the jobs the agent waits for are reported; detached ones
// (container supervisors) go on.
export const SHIM_SPAWNER = String.raw`
/* ---------- spawner mode ---------- */

struct job {
  int id, detach, answered, exited, status;
  pid_t pid;
  int fds[2];
  char *buf[2];
  size_t len[2], cap[2];
  long long exited_at;
};
static struct job *jobs;
static int njobs, capjobs;
static int sp_sig[2];

static void sp_on_chld(int s) {
  (void)s;
  int e = errno;
  (void)!write(sp_sig[1], "c", 1);
  errno = e;
}

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *b, size_t n) {
  while (n) {
    ssize_t w = write(fd, b, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, 1000);
        continue;
      }
      exit(0); /* the agent is gone */
    }
    b += w;
    n -= w;
  }
}

static void send_frame(const char *head, size_t hn, const char *a, size_t an, const char *b, size_t bn) {
  unsigned int l = (unsigned int)(hn + an + bn);
  write_all(1, (const char *)&l, 4);
  write_all(1, head, hn);
  if (an) write_all(1, a, an);
  if (bn) write_all(1, b, bn);
}

static void job_append(struct job *j, int k, const char *b, size_t n) {
  if (j->len[k] + n > j->cap[k]) {
    size_t c = j->cap[k] ? j->cap[k] * 2 : 4096;
    while (c < j->len[k] + n) c *= 2;
    j->buf[k] = realloc(j->buf[k], c);
    j->cap[k] = c;
  }
  memcpy(j->buf[k] + j->len[k], b, n);
  j->len[k] += n;
}

static void job_answer(struct job *j) {
  if (j->answered) return;
  j->answered = 1;
  size_t ll = 0;
  while (ll < j->len[0] && j->buf[0][ll] != '\n') ll++;
  char head[64];
  int h = snprintf(head, sizeof head, "o%c%d%c%d%c", 0, j->id, 0, (int)j->pid, 0);
  send_frame(head, h, j->buf[0], ll, NULL, 0);
}

/* Reports job i as ended and removes it (the last job moves into its place). */
static void job_done(int i) {
  struct job *j = &jobs[i];
  if (j->detach) j->len[0] = j->len[1] = 0;
  char head[96];
  int h = snprintf(head, sizeof head, "d%c%d%c%d%c%zu%c", 0, j->id, 0, j->status, 0, j->len[0], 0);
  send_frame(head, h, j->buf[0], j->len[0], j->buf[1], j->len[1]);
  for (int k = 0; k < 2; k++) {
    if (j->fds[k] >= 0) close(j->fds[k]);
    free(j->buf[k]);
  }
  jobs[i] = jobs[--njobs];
}

static void job_start(char **f, int nf) {
  if (nf < 3) return;
  int id = atoi(f[0]), detach = atoi(f[1]);
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) < 0) return;
  if (pipe2(err, O_CLOEXEC) < 0) {
    close(out[0]);
    close(out[1]);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    int dn = open("/dev/null", O_RDONLY);
    dup2(dn, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    char **argv = f + 2;
    argv[nf - 2] = NULL;
    execvp(argv[0], argv);
    fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  close(out[1]);
  close(err[1]);
  if (njobs == capjobs) {
    capjobs = capjobs ? capjobs * 2 : 64;
    jobs = realloc(jobs, capjobs * sizeof *jobs);
  }
  struct job *j = &jobs[njobs++];
  memset(j, 0, sizeof *j);
  j->id = id;
  j->detach = detach;
  j->fds[0] = out[0];
  j->fds[1] = err[0];
  if (pid < 0) {
    /* As a shell would say it. */
    const char *m = "fork failed\n";
    job_append(j, 1, m, strlen(m));
    j->exited = 1;
    j->status = 126 << 8;
    j->exited_at = mono_ms();
    close(out[0]);
    close(err[0]);
    j->fds[0] = j->fds[1] = -1;
    return;
  }
  j->pid = pid;
}

static void frame_in(char *p, size_t n) {
  char *f[MAXV + 4];
  int nf = 0;
  size_t i = 0;
  if (n < 2) return;
  char type = p[0];
  i = 2;
  while (i < n && nf < MAXV + 2) {
    f[nf++] = p + i;
    while (i < n && p[i]) i++;
    i++;
  }
  if (type == 'r') job_start(f, nf);
  else if (type == 'k' && nf >= 2) {
    int id = atoi(f[0]);
    for (int k = 0; k < njobs; k++)
      if (jobs[k].id == id && jobs[k].pid > 0 && !jobs[k].exited) kill(jobs[k].pid, atoi(f[1]));
  }
}

static int spawner_mode(void) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  if (pipe2(sp_sig, O_CLOEXEC | O_NONBLOCK) < 0) return 1;
  struct sigaction sa = {0};
  sa.sa_handler = sp_on_chld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  char *in = NULL;
  size_t inlen = 0, incap = 0;
  struct pollfd *pf = NULL;
  int *pfjob = NULL, *pfk = NULL;
  size_t pfcap = 0;
  char buf[65536];
  int in_open = 1;
  for (;;) {
    /* Input closed: done once the jobs waited for have been reported (detached ones go on). */
    if (!in_open) {
      int left = 0;
      for (int i = 0; i < njobs; i++) left += !jobs[i].detach;
      if (!left) return 0;
    }
    size_t need = 2 + 2 * (size_t)njobs;
    if (need > pfcap) {
      pfcap = need * 2;
      pf = realloc(pf, pfcap * sizeof *pf);
      pfjob = realloc(pfjob, pfcap * sizeof *pfjob);
      pfk = realloc(pfk, pfcap * sizeof *pfk);
    }
    int np = 0, waiting = 0;
    pf[np++] = (struct pollfd){in_open ? 0 : -1, POLLIN, 0};
    pf[np++] = (struct pollfd){sp_sig[0], POLLIN, 0};
    for (int i = 0; i < njobs; i++) {
      if (jobs[i].exited) waiting = 1;
      for (int k = 0; k < 2; k++) {
        if (jobs[i].fds[k] < 0) continue;
        pfjob[np] = jobs[i].id;
        pfk[np] = k;
        pf[np++] = (struct pollfd){jobs[i].fds[k], POLLIN, 0};
      }
    }
    int n = poll(pf, np, waiting ? 50 : -1);
    if (n < 0 && errno != EINTR) return 1;
    if (n > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (inlen + sizeof buf > incap) {
        incap = (inlen + sizeof buf) * 2;
        in = realloc(in, incap);
      }
      ssize_t r = read(0, in + inlen, incap - inlen);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) in_open = 0;
      if (r > 0) inlen += r;
      size_t off = 0;
      while (inlen - off >= 4) {
        unsigned int l;
        memcpy(&l, in + off, 4);
        if (inlen - off - 4 < l) break;
        in[off + 4 + l - 1] = 0; /* payloads end with a NUL */
        frame_in(in + off + 4, l);
        off += 4 + l;
      }
      memmove(in, in + off, inlen - off);
      inlen -= off;
    }
    for (int p = 2; p < np && n > 0; p++) {
      if (!(pf[p].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      struct job *j = NULL;
      for (int i = 0; i < njobs; i++)
        if (jobs[i].id == pfjob[p]) j = &jobs[i];
      if (!j) continue;
      int k = pfk[p];
      ssize_t r = read(j->fds[k], buf, sizeof buf);
      if (r > 0) {
        if (!(j->detach && j->answered)) job_append(j, k, buf, r);
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(j->fds[k]);
        j->fds[k] = -1;
      }
      if (j->detach && !j->answered && (j->fds[0] < 0 || memchr(j->buf[0], '\n', j->len[0]))) job_answer(j);
    }
    char c[64];
    while (read(sp_sig[0], c, sizeof c) > 0) {
    }
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
      for (int i = 0; i < njobs; i++) {
        if (jobs[i].pid != w) continue;
        jobs[i].exited = 1;
        jobs[i].status = st;
        jobs[i].exited_at = mono_ms();
      }
    }
    long long now = mono_ms();
    for (int i = njobs - 1; i >= 0; i--) {
      struct job *j = &jobs[i];
      if (!j->exited) continue;
      if (j->detach) {
        job_answer(j);
        job_done(i);
      } else if ((j->fds[0] < 0 && j->fds[1] < 0) || now - j->exited_at > 200) {
        /* Output is complete, or held open by something the job left running. */
        job_done(i);
      }
    }
  }
}
`;
