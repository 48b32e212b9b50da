/*
 * bench-driver - the measuring half of scripts/bench.
 *
 * It starts the programs under test itself (posix_spawn, no shell in
 * between) and takes every timestamp with CLOCK_MONOTONIC.  For the
 * end-to-end figures it is also the contact at the other end: a small
 * libstrophe client that notes, in its message handler, when a message
 * arrived.  Everything runs on one machine, so both ends share the clock.
 *
 * Modes (see usage()):
 *   exec      run commands one after the other, interleaved, and time each
 *             from spawn to exit (the /bin/true floor, xmpp-status, xmppd
 *             start-up)
 *   send      start a sender per message and time it until the message has
 *             arrived here (xmpp-send, go-sendxmpp)
 *   recv      with an xmpp-recv already waiting, send it a message and
 *             time it until xmpp-recv has printed it; interleaved with the
 *             same message sent to ourselves through the server (floor)
 *   tput      P senders in parallel, each starting a sender per message
 *   tput-sock P forked workers speaking the daemon's socket protocol
 *             directly (one connection per message, like xmpp-send)
 *   tput-lines one sender for M messages, one per line of its stdin
 *             (xmpp-send --lines)
 *   waiters   W xmpp-recv waiting at once, then answered one by one
 *
 * Output on stdout, one result per line:
 *   stat NAME MEDIAN P99 N     (times in microseconds; rates per second)
 *   value NAME NUMBER
 * A rate's "P99" is its slow tail (1st percentile).  Problems go to
 * stderr; the exit status is 1 when a measurement could not be made.
 *
 * Build: cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra \
 *            $(pkg-config --cflags libstrophe) -o bench-driver \
 *            tests/bench-driver.c $(pkg-config --libs libstrophe)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strophe.h>

extern char **environ;

#define NS_PING "urn:xmpp:ping"
#define QUIET_TURNS 4       /* drain until libstrophe idled this many turns */
#define DRAIN_CAP 100000
#define MAX_WATCH 4

/* ------------------------------------------------------------ helpers */

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);

    if (!p)
        errx(1, "out of memory");
    return p;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* ------------------------------------------------------------ statistics */

struct samples {
    double *v;
    size_t n, cap;
};

static void add(struct samples *s, double x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            errx(1, "out of memory");
    }
    s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Nearest-rank quantile, q in (0, 1]. */
static double rank(struct samples *s, double q)
{
    size_t k;

    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    k = (size_t)(q * (double)s->n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > s->n)
        k = s->n;
    return s->v[k - 1];
}

static double median(struct samples *s)
{
    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    if (s->n % 2)
        return s->v[s->n / 2];
    return (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

/* Latency-like: the tail is the high end. */
static void print_stat(const char *name, struct samples *s)
{
    if (s->n == 0) {
        printf("stat %s - - 0\n", name);
        return;
    }
    printf("stat %s %.1f %.1f %zu\n", name, median(s), rank(s, 0.99), s->n);
}

/* Rate-like: the tail is the low end. */
static void print_rate(const char *name, struct samples *s)
{
    if (s->n == 0) {
        printf("stat %s - - 0\n", name);
        return;
    }
    printf("stat %s %.1f %.1f %zu\n", name, median(s), rank(s, 0.01), s->n);
}

/* ------------------------------------------------------------ /proc */

struct watch {
    const char *name;
    pid_t pid;
    unsigned long long ticks;
};

static struct watch watches[MAX_WATCH];
static int nwatch;

/* utime + stime of a process, in clock ticks; 0 if it is gone. */
static unsigned long long proc_ticks(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut = 0, st = 0;
    FILE *f;
    int i;

    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    if (!fgets(buf, sizeof buf, f)) {
        fclose(f);
        return 0;
    }
    fclose(f);
    /* Fields after ") ": state is field 3; utime 14, stime 15. */
    if (!(p = strrchr(buf, ')')))
        return 0;
    p += 2;
    for (i = 3; i < 14 && p; i++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p || sscanf(p, "%llu %llu", &ut, &st) != 2)
        return 0;
    return ut + st;
}

/* VmRSS in KiB, -1 if unknown. */
static long proc_rss(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/*
 * Is this client blocked waiting for its reply?  True once it has written
 * its request (one writev(): see src/common/client.c) and sleeps.  Before
 * the request it may sleep too (connect, greeting), but then it has
 * written nothing.
 */
static int proc_waiting(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long long syscw = 0;
    int found = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/io", (long)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    while (fgets(buf, sizeof buf, f))
        if (sscanf(buf, "syscw: %llu", &syscw) == 1)
            found = 1;
    fclose(f);
    if (!found || syscw < 1)
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    p = fgets(buf, sizeof buf, f);
    fclose(f);
    if (!p || !(p = strrchr(buf, ')')))
        return 0;
    return p[1] == ' ' && p[2] == 'S';
}

static void watch_start(void)
{
    int i;

    for (i = 0; i < nwatch; i++)
        watches[i].ticks = proc_ticks(watches[i].pid);
}

/* CPU share of each watched process since watch_start(), in % of a core. */
static void watch_stop(struct samples *out, double seconds)
{
    double hz = (double)sysconf(_SC_CLK_TCK);
    int i;

    for (i = 0; i < nwatch; i++)
        add(&out[i], 100.0 * (double)(proc_ticks(watches[i].pid) -
                                      watches[i].ticks) / hz / seconds);
}

/* PREFIX_cpu_NAME for every watched process. */
static void print_watched(const char *prefix, struct samples *cpu)
{
    char key[64];
    int i;

    for (i = 0; i < nwatch; i++) {
        snprintf(key, sizeof key, "%s_cpu_%s", prefix, watches[i].name);
        print_stat(key, &cpu[i]);
    }
}

static double rusage_s(int who)
{
    struct rusage ru;

    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ------------------------------------------------------------ processes */

static int devnull = -1;
static int child_err = 2;   /* where the children's stderr goes */

/* Copy of tmpl with every "{}" replaced by body. */
static char **fill(char **tmpl, const char *body)
{
    size_t n = 0, i;
    char **argv;

    while (tmpl[n])
        n++;
    argv = xalloc((n + 1) * sizeof *argv);
    for (i = 0; i < n; i++)
        argv[i] = strcmp(tmpl[i], "{}") == 0 ? (char *)body : tmpl[i];
    return argv;
}

static pid_t spawn(char **argv, int in, int out)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int rc;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    if (child_err != 2)
        posix_spawn_file_actions_adddup2(&fa, child_err, 2);
    rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        errx(1, "cannot start %s: %s", argv[0], strerror(rc));
    return pid;
}

static int pidfd_of(pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);

    if (fd < 0)
        errx(1, "pidfd_open: %s (Linux 5.3 or later is needed)",
            strerror(errno));
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

/* Exit status of a finished child (128+N for a signal). */
static int reap(pid_t pid)
{
    int st;

    while (waitpid(pid, &st, 0) == -1)
        if (errno != EINTR)
            return 255;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A pipe for a child's stdin that already holds text (then EOF). */
static int stdin_with(const char *text)
{
    int p[2];
    size_t len = strlen(text);

    if (pipe2(p, O_CLOEXEC) == -1)
        errx(1, "pipe: %s", strerror(errno));
    if (write(p[1], text, len) != (ssize_t)len || write(p[1], "\n", 1) != 1)
        errx(1, "write to pipe: %s", strerror(errno));
    close(p[1]);
    return p[0];
}

/* ------------------------------------------------------------ XMPP */

static struct {
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;
    int fd;
    int ready, gone;
    unsigned long activity;
    unsigned long seq;
    char *domain;
    void (*on_msg)(const char *from, const char *body, int64_t t);
} X = {.fd = -1};

static void log_handler(void *ud, xmpp_log_level_t level, const char *area,
                        const char *msg)
{
    (void)ud;
    X.activity++;
    if (level >= XMPP_LEVEL_WARN)
        warnx("libstrophe %s: %s", area, msg);
}

static int sockopt_cb(xmpp_conn_t *conn, void *sock)
{
    int one = 1;

    (void)conn;
    X.fd = *(int *)sock;
    fcntl(X.fd, F_SETFD, FD_CLOEXEC);   /* not for the children */
    setsockopt(X.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

static int certfail(const xmpp_tlscert_t *cert, const char *const why)
{
    (void)cert;
    warnx("certificate rejected: %s", why ? why : "?");
    return 0;
}

/* libstrophe until it has had nothing to do for a few turns in a row. */
static void drain(void)
{
    int quiet = 0, turns = 0, avail;
    unsigned long before;

    while (quiet < QUIET_TURNS && turns++ < DRAIN_CAP && !X.gone) {
        before = X.activity;
        xmpp_run_once(X.ctx, 0);
        avail = 0;
        if (X.fd >= 0 && ioctl(X.fd, FIONREAD, &avail) == -1)
            avail = 0;
        if (avail > 0 || X.activity != before ||
            xmpp_conn_send_queue_len(X.conn) > 0)
            quiet = 0;
        else
            quiet++;
    }
}

/*
 * One turn: poll pfd[1..n-1] (the caller's) and the XMPP socket (put in
 * pfd[0] here) for up to timeout_ms, then let libstrophe work.  Returns
 * the time poll() returned.
 */
static int64_t pump(struct pollfd *pfd, int n, int timeout_ms)
{
    int64_t t;

    pfd[0].fd = X.fd;
    pfd[0].events = POLLIN;
    pfd[0].revents = 0;
    if (X.fd >= 0 && xmpp_conn_send_queue_len(X.conn) > 0)
        pfd[0].events |= POLLOUT;
    if (poll(pfd, (nfds_t)n, timeout_ms) == -1 && errno != EINTR)
        errx(1, "poll: %s", strerror(errno));
    t = now_ns();
    drain();
    if (X.gone)
        errx(1, "the XMPP connection was lost");
    return t;
}

static int msg_handler(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    int64_t t = now_ns();
    const char *type = xmpp_stanza_get_type(st);
    xmpp_stanza_t *b = xmpp_stanza_get_child_by_name(st, "body");
    char *body;
    size_t len;

    (void)conn;
    (void)ud;
    if (!b || (type && strcmp(type, "error") == 0))
        return 1;
    body = xmpp_stanza_get_text(b);
    if (!body)
        return 1;
    len = strlen(body);
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == ' '))
        body[--len] = '\0';
    if (X.on_msg)
        X.on_msg(xmpp_stanza_get_from(st), body, t);
    xmpp_free(X.ctx, body);
    return 1;
}

/* Server pings and anything else asked of us: a result or an error. */
static int iq_handler(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    const char *id = xmpp_stanza_get_id(st);
    const char *from = xmpp_stanza_get_from(st);
    xmpp_stanza_t *r;
    int ping;

    (void)conn;
    (void)ud;
    if (!type || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
        return 1;
    ping = xmpp_stanza_get_child_by_name_and_ns(st, "ping", NS_PING) != NULL;
    r = xmpp_iq_new(X.ctx, ping ? "result" : "error", id ? id : "");
    if (from)
        xmpp_stanza_set_to(r, from);
    xmpp_send(X.conn, r);
    xmpp_stanza_release(r);
    return 1;
}

static int ready_handler(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    (void)conn;
    (void)st;
    (void)ud;
    X.ready = 1;
    return 0;
}

static void conn_handler(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
                         xmpp_stream_error_t *se, void *ud)
{
    xmpp_stanza_t *p, *pr, *t, *iq, *ping;

    (void)conn;
    (void)error;
    (void)se;
    (void)ud;
    if (ev == XMPP_CONN_RAW_CONNECT)
        return;
    if (ev != XMPP_CONN_CONNECT) {
        X.gone = 1;
        return;
    }
    /* Presence (messages to the bare JID need it), then a ping whose
     * answer says the server has handled the presence. */
    p = xmpp_presence_new(X.ctx);
    pr = xmpp_stanza_new(X.ctx);
    xmpp_stanza_set_name(pr, "priority");
    t = xmpp_stanza_new(X.ctx);
    xmpp_stanza_set_text(t, "1");
    xmpp_stanza_add_child(pr, t);
    xmpp_stanza_release(t);
    xmpp_stanza_add_child(p, pr);
    xmpp_stanza_release(pr);
    xmpp_send(X.conn, p);
    xmpp_stanza_release(p);
    iq = xmpp_iq_new(X.ctx, "get", "bench-ready");
    xmpp_stanza_set_to(iq, X.domain);
    ping = xmpp_stanza_new(X.ctx);
    xmpp_stanza_set_name(ping, "ping");
    xmpp_stanza_set_ns(ping, NS_PING);
    xmpp_stanza_add_child(iq, ping);
    xmpp_stanza_release(ping);
    xmpp_id_handler_add(X.conn, ready_handler, "bench-ready", NULL);
    xmpp_send(X.conn, iq);
    xmpp_stanza_release(iq);
}

static void xmpp_login(const char *jid, const char *pass, unsigned port,
                       const char *cafile)
{
    static xmpp_log_t log = {log_handler, NULL};
    int64_t deadline = now_ns() + 20 * (int64_t)1000000000;
    struct pollfd pfd[1];

    /* Trust the test CA only: no parsing of the whole system store. */
    if (cafile) {
        setenv("SSL_CERT_FILE", cafile, 1);
        setenv("SSL_CERT_DIR", "/nonexistent", 1);
    }
    xmpp_initialize();
    X.ctx = xmpp_ctx_new(NULL, &log);
    X.conn = xmpp_conn_new(X.ctx);
    X.domain = xmpp_jid_domain(X.ctx, jid);
    if (!X.domain)
        errx(1, "bad JID %s", jid);
    xmpp_conn_set_flags(X.conn, XMPP_CONN_FLAG_MANDATORY_TLS |
                                    XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_conn_set_jid(X.conn, jid);
    xmpp_conn_set_pass(X.conn, pass);
    if (cafile)
        xmpp_conn_set_cafile(X.conn, cafile);
    xmpp_conn_set_sockopt_callback(X.conn, sockopt_cb);
    xmpp_conn_set_certfail_handler(X.conn, certfail);
    xmpp_handler_add(X.conn, msg_handler, NULL, "message", NULL, NULL);
    xmpp_handler_add(X.conn, iq_handler, NULL, "iq", NULL, NULL);
    if (xmpp_connect_client(X.conn, "127.0.0.1", (unsigned short)port,
                            conn_handler, NULL) != XMPP_EOK)
        errx(1, "cannot connect to 127.0.0.1 port %u", port);
    while (!X.ready) {
        if (X.fd < 0) {
            xmpp_run_once(X.ctx, 10);
            if (X.gone)
                errx(1, "login as %s failed", jid);
        } else {
            pump(pfd, 1, 50);
        }
        if (now_ns() > deadline)
            errx(1, "login as %s: no answer in 20 s", jid);
    }
}

static void send_chat(const char *to, const char *body)
{
    char id[48];
    xmpp_stanza_t *m;

    snprintf(id, sizeof id, "bench%ld-%lu", (long)getpid(), ++X.seq);
    m = xmpp_message_new(X.ctx, "chat", to, id);
    xmpp_message_set_body(m, body);
    xmpp_send(X.conn, m);
    xmpp_stanza_release(m);
}

/* ------------------------------------------------------------ mode send */

static struct {
    const char *want;       /* body awaited, or a prefix in prefix mode */
    int prefix;
    int64_t t;              /* arrival of the awaited body */
    long count;             /* arrivals (prefix mode) */
    long stray;             /* bodies we did not wait for */
} A;

static void on_msg_wait(const char *from, const char *body, int64_t t)
{
    (void)from;
    if (A.want && !A.prefix && strcmp(body, A.want) == 0 && !A.t)
        A.t = t;
    else if (A.want && A.prefix && strncmp(body, A.want,
                                          strlen(A.want)) == 0) {
        A.count++;
        A.t = t;
    } else
        A.stray++;
}

static int mode_send(int n, int warm, int use_stdin, char **cmd,
                     const char *name)
{
    struct samples e2e = {0}, exitt = {0};
    char body[96];
    int i, failed = 0;

    X.on_msg = on_msg_wait;
    for (i = -warm; i < n; i++) {
        struct pollfd pfd[2];
        int64_t t0, texit = 0, deadline;
        int in = devnull, pfdn, rc = -1;
        char **argv;
        pid_t pid;

        snprintf(body, sizeof body, "s%ld-%d", (long)getpid(), i + warm);
        A.want = body;
        A.prefix = 0;
        A.t = 0;
        if (use_stdin)
            in = stdin_with(body);
        argv = fill(cmd, body);
        t0 = now_ns();
        pid = spawn(argv, in, devnull);
        free(argv);
        if (in != devnull)
            close(in);
        pfdn = pidfd_of(pid);
        deadline = t0 + 30 * (int64_t)1000000000;
        while (!A.t || !texit) {
            pfd[1].fd = texit ? -1 : pfdn;
            pfd[1].events = POLLIN;
            pfd[1].revents = 0;
            pump(pfd, 2, 100);
            if (pfd[1].revents) {
                texit = now_ns();
                rc = reap(pid);
                if (rc != 0) {
                    warnx("%s exited with status %d", cmd[0], rc);
                    failed++;
                    if (!A.t)
                        break;
                }
            }
            if (now_ns() > deadline) {
                warnx("%s: message %s did not arrive in 30 s", name, body);
                failed++;
                break;
            }
        }
        close(pfdn);
        if (!A.t || !texit) {
            if (!texit)
                reap(pid);
            if (failed > 3)
                errx(1, "%s: too many failures", name);
            continue;
        }
        if (i >= 0) {
            add(&e2e, (double)(A.t - t0) / 1e3);
            add(&exitt, (double)(texit - t0) / 1e3);
        }
    }
    {
        char key[128];

        snprintf(key, sizeof key, "%s_e2e", name);
        print_stat(key, &e2e);
        snprintf(key, sizeof key, "%s_exit", name);
        print_stat(key, &exitt);
        printf("value %s_failed %d\n", name, failed);
    }
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------ mode recv */

/* Waits until the client pid has sent its request and sleeps. */
static int await_waiting(pid_t pid, int64_t timeout_ns)
{
    int64_t deadline = now_ns() + timeout_ns;

    while (!proc_waiting(pid)) {
        if (now_ns() > deadline)
            return -1;
        sleep_us(50);
    }
    return 0;
}

/* Reads what a child printed, until EOF; returns the length. */
static size_t slurp(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    ssize_t r;

    for (;;) {
        r = read(fd, buf + len, cap - 1 - len);
        if (r > 0) {
            len += (size_t)r;
            if (len == cap - 1)
                break;
        } else if (r == 0 || errno != EINTR) {
            break;
        }
    }
    buf[len] = '\0';
    while (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
    return len;
}

static int mode_recv(int n, int warm, long settle_us, const char *to,
                     const char *self, char **cmd)
{
    struct samples recv = {0}, floor_ = {0}, diff = {0};
    char body[96], out[256];
    double f = 0;
    int i, failed = 0;

    X.on_msg = on_msg_wait;
    for (i = -warm; i < n; i++) {
        struct pollfd pfd[2];
        int64_t t0, t1 = 0, deadline;
        int p[2], rc;
        pid_t pid;

        /* Floor: ourselves, through the server, the same way. */
        snprintf(body, sizeof body, "f%ld-%d", (long)getpid(), i + warm);
        A.want = body;
        A.prefix = 0;
        A.t = 0;
        t0 = now_ns();
        send_chat(self, body);
        deadline = t0 + 10 * (int64_t)1000000000;
        while (!A.t) {
            pump(pfd, 1, 100);
            if (now_ns() > deadline)
                errx(1, "floor message %s did not come back in 10 s", body);
        }
        f = (double)(A.t - t0) / 1e3;
        if (i >= 0)
            add(&floor_, f);

        /* xmpp-recv, already waiting in the daemon. */
        if (pipe2(p, O_CLOEXEC) == -1)
            errx(1, "pipe: %s", strerror(errno));
        pid = spawn(cmd, devnull, p[1]);
        close(p[1]);
        if (await_waiting(pid, 10 * (int64_t)1000000000) == -1)
            errx(1, "%s did not start waiting in 10 s", cmd[0]);
        sleep_us(settle_us);
        snprintf(body, sizeof body, "r%ld-%d", (long)getpid(), i + warm);
        A.want = NULL;
        t0 = now_ns();
        send_chat(to, body);
        drain();
        deadline = t0 + 10 * (int64_t)1000000000;
        for (;;) {
            pfd[1].fd = p[0];
            pfd[1].events = POLLIN;
            pfd[1].revents = 0;
            t1 = pump(pfd, 2, 100);
            if (pfd[1].revents)
                break;
            if (now_ns() > deadline)
                errx(1, "%s printed nothing in 10 s", cmd[0]);
        }
        slurp(p[0], out, sizeof out);
        close(p[0]);
        rc = reap(pid);
        if (rc != 0 || strcmp(out, body) != 0) {
            warnx("%s: status %d, printed '%s', expected '%s'", cmd[0], rc,
                   out, body);
            if (++failed > 3)
                errx(1, "too many failures");
            continue;
        }
        if (i >= 0) {
            add(&recv, (double)(t1 - t0) / 1e3);
            add(&diff, (double)(t1 - t0) / 1e3 - f);
        }
    }
    print_stat("recv_e2e", &recv);
    print_stat("recv_floor", &floor_);
    print_stat("recv_minus_floor", &diff);
    printf("value recv_failed %d\n", failed);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------ mode tput */

static int mode_tput(int rounds, int par, int per, int use_stdin, char **cmd)
{
    struct samples rate = {0}, cpu[MAX_WATCH] = {{0}}, snd = {0}, me = {0};
    long refused = 0, failed = 0;
    int r;

    X.on_msg = on_msg_wait;
    for (r = 0; r < rounds; r++) {
        struct pollfd *pfd = xalloc((size_t)(par + 1) * sizeof *pfd);
        pid_t *pids = xalloc((size_t)par * sizeof *pids);
        int *next = xalloc((size_t)par * sizeof *next), running = 0, s;
        char prefix[48], body[96];
        int64_t t0, deadline;
        long total = (long)par * per, last = 0;
        double c0, s0, secs;

        snprintf(prefix, sizeof prefix, "t%ld-%d-", (long)getpid(), r);
        A.want = prefix;
        A.prefix = 1;
        A.count = 0;
        watch_start();
        c0 = rusage_s(RUSAGE_CHILDREN);
        s0 = rusage_s(RUSAGE_SELF);
        t0 = now_ns();
        /* 100 messages a second at the least, and 30 s to spare */
        deadline = t0 + (30 + total / 100) * (int64_t)1000000000;
        for (s = 0; s < par; s++) {
            pfd[s + 1].fd = -1;
            next[s] = 0;
        }
        for (;;) {
            for (s = 0; s < par; s++) {
                if (pfd[s + 1].fd >= 0 || next[s] >= per)
                    continue;
                snprintf(body, sizeof body, "%s%d-%d", prefix, s, next[s]);
                {
                    char **argv = fill(cmd, body);
                    int in = use_stdin ? stdin_with(body) : devnull;

                    pids[s] = spawn(argv, in, devnull);
                    free(argv);
                    if (in != devnull)
                        close(in);
                }
                pfd[s + 1].fd = pidfd_of(pids[s]);
                pfd[s + 1].events = POLLIN;
                running++;
            }
            if (A.count >= total && running == 0)
                break;
            pump(pfd, par + 1, 100);
            for (s = 0; s < par; s++) {
                int rc;

                if (pfd[s + 1].fd < 0 || !pfd[s + 1].revents)
                    continue;
                close(pfd[s + 1].fd);
                pfd[s + 1].fd = -1;
                running--;
                rc = reap(pids[s]);
                if (rc == 75)
                    refused++;      /* the daemon's queue was full: again */
                else if (rc != 0) {
                    failed++;
                    next[s]++;
                    total--;
                } else
                    next[s]++;
            }
            if (A.count != last)
                last = A.count;
            if (now_ns() > deadline) {
                warnx("throughput: %ld of %ld messages arrived in time",
                       A.count, total);
                failed++;
                for (s = 0; s < par; s++)
                    if (pfd[s + 1].fd >= 0) {
                        kill(pids[s], SIGKILL);
                        reap(pids[s]);
                        close(pfd[s + 1].fd);
                    }
                break;
            }
        }
        secs = (double)(A.t - t0) / 1e9;
        if (A.count >= total && secs > 0) {
            add(&rate, (double)A.count / secs);
            watch_stop(cpu, secs);
            add(&snd, 100.0 * (rusage_s(RUSAGE_CHILDREN) - c0) / secs);
            add(&me, 100.0 * (rusage_s(RUSAGE_SELF) - s0) / secs);
        }
        free(pfd);
        free(pids);
        free(next);
    }
    print_rate("tput_rate", &rate);
    print_watched("tput", cpu);
    print_stat("tput_cpu_senders", &snd);
    print_stat("tput_cpu_receiver", &me);
    printf("value tput_refused %ld\nvalue tput_failed %ld\n", refused,
           failed);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------- mode tput-sock */

/*
 * One message the way xmpp-send does it: the request goes out with the
 * connection, then the greeting and the reply are read (in blocks, as
 * xmpp-send reads them).  0 accepted, 75 queue full, -1 otherwise.
 */
static int sock_send(const char *path, const char *to, const char *body)
{
    struct sockaddr_un sun;
    char in[1024], req[512], *nl, *reply;
    size_t len = 0;
    ssize_t r;
    int fd, n;

    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
        return -1;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    n = snprintf(req, sizeof req, "SEND %zu %s\n%s", strlen(body), to, body);
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
        write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    /* The greeting's line, then the reply's. */
    for (;;) {
        in[len] = '\0';
        if ((nl = strchr(in, '\n')) != NULL && strchr(nl + 1, '\n'))
            break;
        if (len + 1 >= sizeof in ||
            (r = read(fd, in + len, sizeof in - 1 - len)) <= 0) {
            if (len > 0 && strncmp(in, "ERR 75 ", 7) == 0) {
                close(fd);
                return 75;  /* refused before the greeting */
            }
            close(fd);
            return -1;
        }
        len += (size_t)r;
    }
    close(fd);
    reply = nl + 1;
    if (strncmp(in, "XMPPD ", 6) != 0)
        return strncmp(in, "ERR 75 ", 7) == 0 ? 75 : -1;
    if (strncmp(reply, "OK", 2) == 0)
        return 0;
    if (strncmp(reply, "ERR 75 ", 7) == 0)
        return 75;
    return -1;
}

static int mode_tput_sock(int rounds, int par, int per, const char *path,
                          const char *to)
{
    struct samples rate = {0}, acc = {0}, cpu[MAX_WATCH] = {{0}}, me = {0},
        snd = {0};
    long refused = 0, failed = 0;
    int r;

    X.on_msg = on_msg_wait;
    for (r = 0; r < rounds; r++) {
        struct pollfd *pfd = xalloc((size_t)(par + 1) * sizeof *pfd);
        pid_t *pids = xalloc((size_t)par * sizeof *pids);
        int go[2], rep[2], s, running = par;
        char prefix[48], line[128];
        int64_t t0, tacc = 0, deadline;
        long total = (long)par * per;
        double c0, s0, secs;
        FILE *f;

        snprintf(prefix, sizeof prefix, "k%ld-%d-", (long)getpid(), r);
        A.want = prefix;
        A.prefix = 1;
        A.count = 0;
        if (pipe2(go, O_CLOEXEC) == -1 || pipe2(rep, O_CLOEXEC) == -1)
            errx(1, "pipe: %s", strerror(errno));
        fflush(stdout);
        for (s = 0; s < par; s++) {
            pids[s] = fork();
            if (pids[s] == -1)
                errx(1, "fork: %s", strerror(errno));
            if (pids[s] == 0) {
                char body[96], c;
                long ref = 0, bad = 0;
                int j, rc;

                close(go[1]);
                close(rep[0]);
                while (read(go[0], &c, 1) == -1 && errno == EINTR)
                    ;   /* EOF: everybody starts */
                for (j = 0; j < per; j++) {
                    snprintf(body, sizeof body, "%s%d-%d", prefix, s, j);
                    while ((rc = sock_send(path, to, body)) == 75) {
                        ref++;
                        sleep_us(200);
                    }
                    if (rc != 0)
                        bad++;
                }
                snprintf(line, sizeof line, "%ld %ld\n", ref, bad);
                if (write(rep[1], line, strlen(line)) < 0)
                    _exit(2);
                _exit(0);
            }
            pfd[s + 1].fd = pidfd_of(pids[s]);
            pfd[s + 1].events = POLLIN;
        }
        close(go[0]);
        close(rep[1]);
        watch_start();
        c0 = rusage_s(RUSAGE_CHILDREN);
        s0 = rusage_s(RUSAGE_SELF);
        t0 = now_ns();
        close(go[1]);
        deadline = t0 + (30 + total / 100) * (int64_t)1000000000;
        while (A.count < total || running > 0) {
            pump(pfd, par + 1, 100);
            for (s = 0; s < par; s++)
                if (pfd[s + 1].fd >= 0 && pfd[s + 1].revents) {
                    close(pfd[s + 1].fd);
                    pfd[s + 1].fd = -1;
                    if (reap(pids[s]) != 0)
                        failed++;
                    if (--running == 0)
                        tacc = now_ns();
                }
            if (now_ns() > deadline) {
                warnx("socket throughput: %ld of %ld messages arrived in "
                       "time", A.count, total);
                failed++;
                for (s = 0; s < par; s++)
                    if (pfd[s + 1].fd >= 0) {
                        kill(pids[s], SIGKILL);
                        reap(pids[s]);
                        close(pfd[s + 1].fd);
                    }
                break;
            }
        }
        if ((f = fdopen(rep[0], "r")) != NULL) {
            long a, b;

            while (fgets(line, sizeof line, f))
                if (sscanf(line, "%ld %ld", &a, &b) == 2) {
                    refused += a;
                    failed += b;
                }
            fclose(f);
        }
        secs = (double)(A.t - t0) / 1e9;
        if (A.count >= total && secs > 0 && tacc) {
            add(&rate, (double)A.count / secs);
            add(&acc, (double)total / ((double)(tacc - t0) / 1e9));
            watch_stop(cpu, secs);
            add(&snd, 100.0 * (rusage_s(RUSAGE_CHILDREN) - c0) / secs);
            add(&me, 100.0 * (rusage_s(RUSAGE_SELF) - s0) / secs);
        }
        free(pfd);
        free(pids);
    }
    print_rate("tsock_rate", &rate);
    print_rate("tsock_accept_rate", &acc);
    print_watched("tsock", cpu);
    print_stat("tsock_cpu_senders", &snd);
    print_stat("tsock_cpu_receiver", &me);
    printf("value tsock_refused %ld\nvalue tsock_failed %ld\n", refused,
           failed);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------- mode tput-lines */

/*
 * One process sends M messages, one per line of its standard input (a
 * file written beforehand, so the input costs nothing): accepted is M over
 * spawn to exit, delivered M over spawn to the last arrival here.
 */
static int mode_tput_lines(int rounds, int m, char **cmd)
{
    struct samples rate = {0}, acc = {0}, cpu[MAX_WATCH] = {{0}}, snd = {0},
        me = {0};
    long failed = 0;
    int r;

    X.on_msg = on_msg_wait;
    for (r = 0; r < rounds; r++) {
        struct pollfd pfd[2];
        char prefix[48], path[] = "/tmp/bench-lines-XXXXXX";
        int64_t t0, tacc = 0, deadline;
        double c0, s0, secs;
        int in, j, running = 1;
        pid_t pid;
        FILE *f;

        snprintf(prefix, sizeof prefix, "l%ld-%d-", (long)getpid(), r);
        if ((in = mkostemp(path, O_CLOEXEC)) == -1 || (f = fdopen(dup(in), "w")) == NULL)
            errx(1, "temporary file: %s", strerror(errno));
        unlink(path);
        for (j = 0; j < m; j++)
            fprintf(f, "%s%d\n", prefix, j);
        if (fclose(f) != 0 || lseek(in, 0, SEEK_SET) == -1)
            errx(1, "temporary file: %s", strerror(errno));
        A.want = prefix;
        A.prefix = 1;
        A.count = 0;
        watch_start();
        c0 = rusage_s(RUSAGE_CHILDREN);
        s0 = rusage_s(RUSAGE_SELF);
        t0 = now_ns();
        deadline = t0 + (30 + m / 100) * (int64_t)1000000000;
        {
            char **argv = fill(cmd, "");

            pid = spawn(argv, in, devnull);
            free(argv);
        }
        close(in);
        pfd[0].fd = -1;
        pfd[1].fd = pidfd_of(pid);
        pfd[1].events = POLLIN;
        while (A.count < m || running) {
            pump(pfd, 2, 100);
            if (running && pfd[1].revents) {
                close(pfd[1].fd);
                pfd[1].fd = -1;
                running = 0;
                tacc = now_ns();
                if (reap(pid) != 0)
                    failed++;
            }
            if (now_ns() > deadline) {
                warnx("lines: %ld of %d messages arrived in time",
                       A.count, m);
                failed++;
                if (running) {
                    kill(pid, SIGKILL);
                    reap(pid);
                    close(pfd[1].fd);
                }
                break;
            }
        }
        secs = (double)(A.t - t0) / 1e9;
        if (A.count >= m && secs > 0 && tacc) {
            add(&rate, (double)A.count / secs);
            add(&acc, (double)m / ((double)(tacc - t0) / 1e9));
            watch_stop(cpu, secs);
            add(&snd, 100.0 * (rusage_s(RUSAGE_CHILDREN) - c0) / secs);
            add(&me, 100.0 * (rusage_s(RUSAGE_SELF) - s0) / secs);
        }
    }
    print_rate("tlines_rate", &rate);
    print_rate("tlines_accept_rate", &acc);
    print_watched("tlines", cpu);
    print_stat("tlines_cpu_sender", &snd);
    print_stat("tlines_cpu_receiver", &me);
    printf("value tlines_failed %ld\n", failed);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------ mode waiters */

/*
 * W clients wait at once, all printing into one pipe (a line is one
 * write, far below PIPE_BUF, so lines never mix): the answer is timed
 * with one poll() here, whatever the number of clients.
 */
static int mode_waiters(int w, pid_t daemon, const char *to, char **cmd)
{
    struct samples lat = {0}, first = {0}, last = {0};
    pid_t *pids = xalloc((size_t)w * sizeof *pids);
    int i, failed = 0, p[2];
    char body[96], buf[4096];
    size_t have = 0;
    int64_t t0, tw, deadline;
    long rss0, rss1, rss2;

    X.on_msg = on_msg_wait;
    A.want = NULL;
    rss0 = proc_rss(daemon);
    if (pipe2(p, O_CLOEXEC) == -1)
        errx(1, "pipe: %s", strerror(errno));
    t0 = now_ns();
    for (i = 0; i < w; i++)
        pids[i] = spawn(cmd, devnull, p[1]);
    close(p[1]);
    /* Until every one of them has asked and sleeps. */
    deadline = now_ns() + 60 * (int64_t)1000000000;
    for (i = 0; i < w;) {
        if (proc_waiting(pids[i])) {
            i++;
            continue;
        }
        if (now_ns() > deadline)
            errx(1, "only %d of %d clients were waiting after 60 s", i, w);
        sleep_us(500);
    }
    tw = now_ns();
    sleep_us(200000);
    rss1 = proc_rss(daemon);

    /* One message at a time; one of them prints it. */
    for (i = 0; i < w; i++) {
        struct pollfd pfd[2];
        int64_t ts, t1 = 0;
        char *nl;
        ssize_t r;

        snprintf(body, sizeof body, "w%ld-%d", (long)getpid(), i);
        ts = now_ns();
        send_chat(to, body);
        drain();
        deadline = ts + 10 * (int64_t)1000000000;
        while (!(nl = memchr(buf, '\n', have))) {
            pfd[1].fd = p[0];
            pfd[1].events = POLLIN;
            pfd[1].revents = 0;
            t1 = pump(pfd, 2, 100);
            if (pfd[1].revents) {
                r = read(p[0], buf + have, sizeof buf - 1 - have);
                if (r <= 0)
                    errx(1, "message %d of %d: the clients' pipe closed", i + 1,
                        w);
                have += (size_t)r;
            }
            if (now_ns() > deadline)
                errx(1, "message %d of %d: nobody printed it in 10 s", i + 1, w);
        }
        *nl = '\0';
        if (strcmp(buf, body) != 0) {
            warnx("message %d: a client printed '%s', expected '%s'", i,
                   buf, body);
            failed++;
        } else {
            add(&lat, (double)(t1 - ts) / 1e3);
            if (i < w / 10)
                add(&first, (double)(t1 - ts) / 1e3);
            if (i >= w - w / 10)
                add(&last, (double)(t1 - ts) / 1e3);
        }
        have -= (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, have);
    }
    close(p[0]);
    for (i = 0; i < w; i++)
        if (reap(pids[i]) != 0)
            failed++;
    sleep_us(300000);
    rss2 = proc_rss(daemon);
    print_stat("waiters_answer", &lat);
    print_stat("waiters_answer_first10", &first);
    print_stat("waiters_answer_last10", &last);
    printf("value waiters_count %d\n", w);
    printf("value waiters_ready_ms %.1f\n", (double)(tw - t0) / 1e6);
    printf("value waiters_rss_before_kib %ld\n", rss0);
    printf("value waiters_rss_peak_kib %ld\n", rss1);
    printf("value waiters_rss_after_kib %ld\n", rss2);
    printf("value waiters_per_client_bytes %.0f\n",
           (double)(rss1 - rss0) * 1024.0 / w);
    printf("value waiters_failed %d\n", failed);
    free(pids);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------ mode exec */

/*
 * exec N WARM [AFTER] :: NAME CMD... [:: NAME CMD...]: N rounds, each
 * running every command once in turn, timed from spawn to exit.  AFTER,
 * if not "-", is run with /bin/sh -c after each command, untimed.
 */
static int mode_exec(int n, int warm, const char *after, char **args)
{
    char **cmds[8], *names[8];
    struct samples s[8] = {{0}};
    int ncmd = 0, i, r, failed = 0;

    for (i = 0; args[i]; i++) {
        if (strcmp(args[i], "::") != 0)
            continue;
        args[i] = NULL;
        if (!args[i + 1] || !args[i + 2] || ncmd == 8)
            errx(1, "exec: expected :: NAME COMMAND...");
        names[ncmd] = args[i + 1];
        cmds[ncmd++] = &args[i + 2];
    }
    if (ncmd == 0)
        errx(1, "exec: no command");
    for (r = -warm; r < n; r++)
        for (i = 0; i < ncmd; i++) {
            int64_t t0 = now_ns(), t1;
            pid_t pid = spawn(cmds[i], devnull, devnull);
            int rc = reap(pid);

            t1 = now_ns();
            if (rc != 0) {
                warnx("%s exited with status %d", cmds[i][0], rc);
                if (++failed > 3)
                    errx(1, "too many failures");
            } else if (r >= 0)
                add(&s[i], (double)(t1 - t0) / 1e3);
            if (after && strcmp(after, "-") != 0) {
                char *sh[] = {"/bin/sh", "-c", (char *)after, NULL};

                reap(spawn(sh, devnull, devnull));
            }
        }
    for (i = 0; i < ncmd; i++)
        print_stat(names[i], &s[i]);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------ main */

static void usage(void)
{
    fprintf(stderr,
        "usage: bench-driver exec N WARM AFTER :: NAME CMD... [:: NAME CMD...]\n"
        "       bench-driver XMPP send N WARM [-i] NAME -- CMD... ({} = body)\n"
        "       bench-driver XMPP recv N WARM SETTLE_US TO -- CMD...\n"
        "       bench-driver XMPP tput ROUNDS P M [-i] -- CMD...\n"
        "       bench-driver XMPP tput-sock ROUNDS P M SOCKET TO\n"
        "       bench-driver XMPP tput-lines ROUNDS M -- CMD...\n"
        "       bench-driver XMPP waiters W DAEMON_PID TO -- CMD...\n"
        "XMPP: --jid JID --password PASS --port N --cafile FILE\n"
        "      [--watch NAME=PID]... [--child-stderr FILE]\n");
    exit(2);
}

static int num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < 0 || v > 100000000)
        errx(1, "bad number '%s'", s);
    return (int)v;
}

/* Returns the index of the argument after "--" (from i on). */
static int after_dashes(int argc, char **argv, int i)
{
    for (; i < argc; i++)
        if (strcmp(argv[i], "--") == 0)
            return i + 1 < argc ? i + 1 : (usage(), 0);
    usage();
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jid", required_argument, NULL, 'j'},
        {"password", required_argument, NULL, 'p'},
        {"port", required_argument, NULL, 'P'},
        {"cafile", required_argument, NULL, 'c'},
        {"watch", required_argument, NULL, 'w'},
        {"child-stderr", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    const char *jid = NULL, *pass = NULL, *cafile = NULL, *mode;
    unsigned port = 0;
    int opt, i, rc, fd;
    char *eq;

    /* Keep 0-2 taken, so that no socket of ours lands there. */
    while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
        ;
    if (fd > 2)
        close(fd);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': jid = optarg; break;
        case 'p': pass = optarg; break;
        case 'P': port = (unsigned)num(optarg); break;
        case 'c': cafile = optarg; break;
        case 'w':
            if (nwatch == MAX_WATCH || !(eq = strchr(optarg, '=')))
                usage();
            *eq = '\0';
            watches[nwatch].name = optarg;
            watches[nwatch++].pid = (pid_t)num(eq + 1);
            break;
        case 'e':
            child_err = open(optarg, O_WRONLY | O_CREAT | O_APPEND |
                             O_CLOEXEC, 0600);
            if (child_err < 0)
                errx(1, "%s: %s", optarg, strerror(errno));
            break;
        default: usage();
        }
    }
    if (optind >= argc)
        usage();
    mode = argv[optind++];
    if (strcmp(mode, "exec") == 0) {
        if (argc - optind < 5)
            usage();
        return mode_exec(num(argv[optind]), num(argv[optind + 1]),
                         argv[optind + 2], &argv[optind + 3]);
    }
    if (!jid || !pass || !port)
        usage();
    xmpp_login(jid, pass, port, cafile);
    if (strcmp(mode, "send") == 0 && argc - optind >= 5) {
        int use_stdin = strcmp(argv[optind + 2], "-i") == 0;

        i = after_dashes(argc, argv, optind);
        rc = mode_send(num(argv[optind]), num(argv[optind + 1]), use_stdin,
                       &argv[i], argv[optind + 2 + use_stdin]);
    } else if (strcmp(mode, "recv") == 0 && argc - optind >= 6) {
        i = after_dashes(argc, argv, optind);
        rc = mode_recv(num(argv[optind]), num(argv[optind + 1]),
                       num(argv[optind + 2]), argv[optind + 3],
                       xmpp_conn_get_bound_jid(X.conn), &argv[i]);
    } else if (strcmp(mode, "tput") == 0 && argc - optind >= 5) {
        i = after_dashes(argc, argv, optind);
        rc = mode_tput(num(argv[optind]), num(argv[optind + 1]),
                       num(argv[optind + 2]),
                       strcmp(argv[optind + 3], "-i") == 0, &argv[i]);
    } else if (strcmp(mode, "tput-sock") == 0 && argc - optind == 5) {
        rc = mode_tput_sock(num(argv[optind]), num(argv[optind + 1]),
                            num(argv[optind + 2]), argv[optind + 3],
                            argv[optind + 4]);
    } else if (strcmp(mode, "tput-lines") == 0 && argc - optind >= 4) {
        i = after_dashes(argc, argv, optind);
        rc = mode_tput_lines(num(argv[optind]), num(argv[optind + 1]),
                             &argv[i]);
    } else if (strcmp(mode, "waiters") == 0 && argc - optind >= 5) {
        i = after_dashes(argc, argv, optind);
        rc = mode_waiters(num(argv[optind]), (pid_t)num(argv[optind + 1]),
                          argv[optind + 2], &argv[i]);
    } else {
        usage();
        rc = 2;
    }
    /* Log out cleanly: unavailable presence, stream close. */
    xmpp_disconnect(X.conn);
    {
        int64_t deadline = now_ns() + 2 * (int64_t)1000000000;

        while (!X.gone && now_ns() < deadline)
            xmpp_run_once(X.ctx, 10);
    }
    xmpp_conn_release(X.conn);
    xmpp_free(X.ctx, X.domain);
    xmpp_ctx_free(X.ctx);
    xmpp_shutdown();
    return rc;
}
