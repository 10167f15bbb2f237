// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sim-qemu-step: a QEMU TCG plugin that runs a system emulator in exact steps of
 * virtual time, driven by sim over a Unix socket.
 *
 * For each grant "run until virtual time T (ns)" it arms a timer on QEMU's
 * virtual clock at T. With `-icount shift=N,sleep=off` the virtual clock is a
 * function of the instructions executed, and QEMU's icount budget makes the vCPU
 * stop at the earliest timer deadline, so the timer fires with the clock at T.
 * The callback runs in the main loop with the big QEMU lock held: while it waits
 * for the next grant, the vCPU cannot run (it needs that lock to go on), so the
 * emulation is stopped at T. The callback then reports the time reached and the
 * UART bytes sent since the last stop (read from the file the UART's chardev
 * writes to, synchronously, on the vCPU thread), and blocks until the next grant.
 *
 * Timers, the virtual clock and chardev input are not part of QEMU's official
 * plugin API. Debian's modular build exports the functions used here; they are
 * looked up with dlsym at load time, and the plugin refuses to load, saying
 * which ones are missing, where they are not exported.
 *
 * No QEMU header is needed: Debian ships no qemu-plugin.h in any binary package,
 * so the few declarations used are written out below (QEMU 7.2, plugin API
 * version 1).
 *
 * Socket protocol (sim listens, the plugin connects). Frames are
 *     u8 type, u32 payload length (little-endian), payload
 * plugin -> sim  'H' hello:  u32 protocol version, i64 virtual time (ns)
 *                'R' report: i64 virtual time reached (ns), then the TX bytes
 *                'E' error:  UTF-8 text; the plugin exits after sending it
 * sim -> plugin  'G' grant:  i64 run-until time (ns), then RX bytes to inject
 *                'Q' quit:   QEMU exits (status 0); so does end of file
 * RX bytes are injected into the UART from the start of the quantum, as fast as
 * the UART model accepts them, retried every `rx_interval_ns` of virtual time.
 *
 * Plugin arguments (`-plugin sim-qemu-step.so,sock=...,tx=...`):
 *   sock=PATH            the Unix socket to connect to (required unless probe=on)
 *   tx=PATH              the file the UART chardev writes (required unless probe=on)
 *   chardev=ID           the chardev RX bytes are injected into (default sim_uart)
 *   rx_interval_ns=N     retry period for RX injection (default 10000)
 *   probe=on             check the symbols, print "sim-qemu-step: ok" and exit 0
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- the subset of QEMU's plugin API (include/qemu/qemu-plugin.h, 7.2) -- */

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
/* Only the first fields are read; the struct is owned by QEMU. */
typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
} qemu_info_t;

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

typedef void (*vcpu_init_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index);
typedef void (*register_vcpu_init_cb_t)(qemu_plugin_id_t id, vcpu_init_cb_t cb);
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*register_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, tb_trans_cb_t cb);
typedef size_t (*tb_n_insns_t)(const struct qemu_plugin_tb *tb);
typedef struct qemu_plugin_insn *(*tb_get_insn_t)(const struct qemu_plugin_tb *tb, size_t idx);
typedef const void *(*insn_data_t)(const struct qemu_plugin_insn *insn);
typedef size_t (*insn_size_t)(const struct qemu_plugin_insn *insn);
#define QEMU_PLUGIN_CB_NO_REGS 0 /* enum qemu_plugin_cb_flags */
typedef void (*vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*register_insn_exec_cb_t)(struct qemu_plugin_insn *insn, vcpu_udata_cb_t cb, int flags, void *userdata);

/* ---- QEMU internals used (not plugin API; include/qemu/timer.h, chardev) - */

typedef void QEMUTimerCB(void *opaque);
typedef int QEMUClockType; /* enum: QEMU_CLOCK_REALTIME 0, QEMU_CLOCK_VIRTUAL 1, ... */
#define QEMU_CLOCK_VIRTUAL 1
#define SCALE_NS 1
typedef void (*timer_init_full_t)(void *ts, void *timer_list_group, QEMUClockType type, int scale, int attributes,
                                  QEMUTimerCB *cb, void *opaque);
typedef void (*timer_mod_t)(void *ts, int64_t expire_time);
typedef int64_t (*qemu_clock_get_ns_t)(QEMUClockType type);
typedef void *(*qemu_chr_find_t)(const char *name);
typedef int (*qemu_chr_be_can_write_t)(void *chr);
typedef void (*qemu_chr_be_write_t)(void *chr, const uint8_t *buf, int len);
typedef void *(*qemu_clock_get_main_loop_timerlist_t)(QEMUClockType type);
typedef int64_t (*timerlist_deadline_ns_t)(void *timer_list);
/* struct Notifier: a callback and a QLIST_ENTRY (next, pointer to previous's next). */
typedef struct sim_notifier {
    void (*notify)(struct sim_notifier *notifier, void *data);
    struct sim_notifier *le_next;
    struct sim_notifier **le_prev;
} sim_notifier;
typedef void (*main_loop_poll_add_notifier_t)(sim_notifier *notifier);
/* include/hw/core/cpu.h: CPUState is opaque here; run_on_cpu_data is an 8-byte union. */
typedef union {
    int host_int;
    unsigned long host_ulong;
    void *host_ptr;
    uint64_t target_ptr;
} run_on_cpu_data;
typedef void (*run_on_cpu_func)(void *cpu, run_on_cpu_data data);
typedef void (*async_run_on_cpu_t)(void *cpu, run_on_cpu_func func, run_on_cpu_data data);
typedef void *(*qemu_get_cpu_t)(int index);

/*
 * A QEMUTimer is 48 bytes in QEMU 7.2 on 64-bit hosts (expire_time, timer_list,
 * cb, opaque, next, attributes, scale). timer_new_ns() is an inline function that
 * allocates one and calls timer_init_full(); the plugin does the same with static
 * storage, generously sized.
 */
typedef struct {
    _Alignas(16) unsigned char bytes[256];
} timer_storage;

static struct {
    register_vcpu_init_cb_t register_vcpu_init_cb;
    register_vcpu_tb_trans_cb_t register_tb_trans_cb;
    tb_n_insns_t tb_n_insns;
    tb_get_insn_t tb_get_insn;
    insn_data_t insn_data;
    insn_size_t insn_size;
    register_insn_exec_cb_t register_insn_exec_cb;
    timer_init_full_t timer_init_full;
    timer_mod_t timer_mod;
    qemu_clock_get_ns_t clock_get_ns;
    qemu_chr_find_t chr_find;
    qemu_chr_be_can_write_t chr_be_can_write;
    qemu_chr_be_write_t chr_be_write;
    qemu_clock_get_main_loop_timerlist_t main_timerlist;
    timerlist_deadline_ns_t timerlist_deadline_ns;
    main_loop_poll_add_notifier_t poll_add_notifier;
    async_run_on_cpu_t async_run_on_cpu;
    qemu_get_cpu_t get_cpu;
} q;

struct needed_symbol {
    const char *name;
    void **slot;
    bool plugin_api;
};

static const struct needed_symbol NEEDED[] = {
    {"qemu_plugin_register_vcpu_init_cb", (void **)&q.register_vcpu_init_cb, true},
    {"qemu_plugin_register_vcpu_tb_trans_cb", (void **)&q.register_tb_trans_cb, true},
    {"qemu_plugin_tb_n_insns", (void **)&q.tb_n_insns, true},
    {"qemu_plugin_tb_get_insn", (void **)&q.tb_get_insn, true},
    {"qemu_plugin_insn_data", (void **)&q.insn_data, true},
    {"qemu_plugin_insn_size", (void **)&q.insn_size, true},
    {"qemu_plugin_register_vcpu_insn_exec_cb", (void **)&q.register_insn_exec_cb, true},
    {"timer_init_full", (void **)&q.timer_init_full, false},
    {"timer_mod", (void **)&q.timer_mod, false},
    {"qemu_clock_get_ns", (void **)&q.clock_get_ns, false},
    {"qemu_chr_find", (void **)&q.chr_find, false},
    {"qemu_chr_be_can_write", (void **)&q.chr_be_can_write, false},
    {"qemu_chr_be_write", (void **)&q.chr_be_write, false},
    {"qemu_clock_get_main_loop_timerlist", (void **)&q.main_timerlist, false},
    {"timerlist_deadline_ns", (void **)&q.timerlist_deadline_ns, false},
    {"main_loop_poll_add_notifier", (void **)&q.poll_add_notifier, false},
    {"async_run_on_cpu", (void **)&q.async_run_on_cpu, false},
    {"qemu_get_cpu", (void **)&q.get_cpu, false},
#ifdef SIM_QEMU_EXTRA_SYMBOL
    /* Test builds only: a name no QEMU exports, to exercise the refusal. */
    {SIM_QEMU_EXTRA_SYMBOL, NULL, false},
#endif
};

#define PROTOCOL_VERSION 1u
#define MAX_FRAME (64u * 1024u * 1024u)
#define LOG_PREFIX "sim-qemu-step: "

static int sock_fd = -1;
static int tx_fd = -1;
static const char *tx_path;
static const char *chardev_id = "sim_uart";
static int64_t rx_interval_ns = 10000;
static void *chr;
static timer_storage grant_timer, rx_timer, guard_timer;
static void *virtual_timers; /* the main loop's QEMU_CLOCK_VIRTUAL timer list */
static sim_notifier poll_notifier;
static int64_t granted_ns = -1;
static bool timers_ready;
/* Set once the vCPU runs: arming a timer earlier makes QEMU kick a vCPU thread
 * that does not exist yet. */
static volatile bool running;

static uint8_t *rx_queue;
static size_t rx_len, rx_pos, rx_cap;

/* ---- I/O helpers ---------------------------------------------------------- */

static void die(int status) __attribute__((noreturn));
static void die(int status)
{
    fflush(stderr);
    /* Called from the main loop with the vCPU stopped: QEMU's own exit path runs
     * its exit notifiers; the chardev file is written synchronously already. */
    exit(status);
}

static bool write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* 1: read len bytes; 0: end of file before the first byte; -1: error or short. */
static int read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 && got == 0) {
            return 0;
        }
        if (n <= 0) {
            return -1;
        }
        got += (size_t)n;
    }
    return 1;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_i64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(u >> (8 * i));
    }
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t get_i64(const uint8_t *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--) {
        u = u << 8 | p[i];
    }
    return (int64_t)u;
}

static bool send_frame(char type, const void *a, size_t alen, const void *b, size_t blen)
{
    uint8_t head[5];
    head[0] = (uint8_t)type;
    put_u32(head + 1, (uint32_t)(alen + blen));
    return write_all(sock_fd, head, sizeof head) && (alen == 0 || write_all(sock_fd, a, alen)) &&
           (blen == 0 || write_all(sock_fd, b, blen));
}

/* Reports an error to sim (when connected) and on stderr, then exits. */
static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, LOG_PREFIX "%s\n", text);
    if (sock_fd >= 0) {
        send_frame('E', text, strlen(text), NULL, 0);
    }
    die(1);
}

/* ---- RX injection --------------------------------------------------------- */

static void rx_pump(void);

static void rx_timer_cb(void *opaque)
{
    (void)opaque;
    rx_pump();
}

/* Gives the UART as many queued bytes as it takes now; retries later if some remain. */
static void rx_pump(void)
{
    if (rx_pos < rx_len && chr == NULL) {
        chr = q.chr_find(chardev_id);
        if (chr == NULL) {
            fail("no chardev with id \"%s\" to inject received bytes into", chardev_id);
        }
    }
    while (rx_pos < rx_len) {
        int room = q.chr_be_can_write(chr);
        if (room <= 0) {
            break;
        }
        size_t n = rx_len - rx_pos;
        if (n > (size_t)room) {
            n = (size_t)room;
        }
        q.chr_be_write(chr, rx_queue + rx_pos, (int)n);
        rx_pos += n;
    }
    if (rx_pos == rx_len) {
        rx_pos = rx_len = 0;
        return;
    }
    q.timer_mod(rx_timer.bytes, q.clock_get_ns(QEMU_CLOCK_VIRTUAL) + rx_interval_ns);
}

static void rx_enqueue(const uint8_t *bytes, size_t n)
{
    if (n == 0) {
        return;
    }
    if (rx_len + n > rx_cap) {
        size_t cap = rx_cap == 0 ? 4096 : rx_cap;
        while (cap < rx_len + n) {
            cap *= 2;
        }
        uint8_t *grown = realloc(rx_queue, cap);
        if (grown == NULL) {
            fail("out of memory for %zu received bytes", rx_len + n);
        }
        rx_queue = grown;
        rx_cap = cap;
    }
    memcpy(rx_queue + rx_len, bytes, n);
    rx_len += n;
}

/* ---- grants and reports --------------------------------------------------- */

/* Blocks until sim sends the next grant; arms the grant timer. Quit or EOF: exit 0. */
static void wait_grant(void)
{
    uint8_t head[5];
    int r = read_all(sock_fd, head, sizeof head);
    if (r == 0) {
        die(0);
    }
    if (r < 0) {
        fprintf(stderr, LOG_PREFIX "the socket to sim broke (%s); exiting\n", strerror(errno));
        die(1);
    }
    uint32_t len = get_u32(head + 1);
    if (len > MAX_FRAME) {
        fail("frame of %" PRIu32 " bytes from sim is over the limit", len);
    }
    uint8_t *payload = malloc(len == 0 ? 1 : len);
    if (payload == NULL) {
        fail("out of memory for a frame of %" PRIu32 " bytes", len);
    }
    if (len > 0 && read_all(sock_fd, payload, len) != 1) {
        fprintf(stderr, LOG_PREFIX "the socket to sim broke mid-frame; exiting\n");
        die(1);
    }
    if (head[0] == 'Q') {
        free(payload);
        die(0);
    }
    if (head[0] != 'G' || len < 8) {
        fail("unexpected frame '%c' (%" PRIu32 " bytes) from sim; expected a grant", head[0], len);
    }
    int64_t until = get_i64(payload);
    int64_t now = q.clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (until <= now) {
        fail("grant to %" PRId64 " ns is not after the virtual time %" PRId64 " ns", until, now);
    }
    rx_enqueue(payload + 8, len - 8);
    free(payload);
    granted_ns = until;
    if (running) {
        q.timer_mod(grant_timer.bytes, until);
        rx_pump();
    }
}

/* The UART bytes written to the chardev file since the last report. */
static uint8_t *read_tx(size_t *out_len)
{
    *out_len = 0;
    if (tx_fd < 0) {
        tx_fd = open(tx_path, O_RDONLY | O_CLOEXEC);
        if (tx_fd < 0) {
            if (errno == ENOENT) {
                return NULL; /* nothing written yet */
            }
            fail("cannot open the UART file %s: %s", tx_path, strerror(errno));
        }
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        fail("out of memory reading the UART file");
    }
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_FRAME) {
                fail("more than %u UART bytes in one quantum", MAX_FRAME);
            }
            cap *= 2;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                fail("out of memory reading the UART file");
            }
            buf = grown;
        }
        ssize_t n = read(tx_fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fail("cannot read the UART file %s: %s", tx_path, strerror(errno));
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    *out_len = len;
    return buf;
}

static void grant_timer_cb(void *opaque)
{
    (void)opaque;
    int64_t now = q.clock_get_ns(QEMU_CLOCK_VIRTUAL);
    /* Keep a timer due now while waiting: a vCPU thread that computes its icount
     * budget meanwhile (it does so without the big lock) gets none, so it cannot
     * run past this stop before the next grant is armed. The guard runs right
     * after this callback, in the same pass, and moves on. */
    q.timer_mod(guard_timer.bytes, now);
    uint8_t reached[8];
    put_i64(reached, now);
    size_t tx_len;
    uint8_t *tx = read_tx(&tx_len);
    bool sent = send_frame('R', reached, sizeof reached, tx, tx_len);
    free(tx);
    if (!sent) {
        fprintf(stderr, LOG_PREFIX "the socket to sim broke while reporting; exiting\n");
        die(1);
    }
    wait_grant();
}

/* ---- set-up --------------------------------------------------------------- */

/* ---- the guard against early warps ---------------------------------------- */

/*
 * With `-icount sleep=off`, QEMU moves the virtual clock to the next timer
 * deadline whenever the vCPU is idle (WFI). It also does so from inside a timer
 * callback when that callback re-arms a timer that becomes the earliest one
 * (timerlist_rearm -> icount_start_warp_timer). A periodic ptimer (the Cortex-M
 * SysTick, CMSDK timers) re-arms itself *before* it raises its interrupt, so
 * with the vCPU asleep the clock jumps a whole period before the interrupt is
 * taken: the firmware sees its tick one period late and loses ticks.
 *
 * The guard is a timer kept at the earliest deadline of the main loop's
 * virtual-clock timers. It is refreshed just before each main-loop pass runs
 * the timers (a poll notifier), and by its own callback. When a timer fires, the
 * guard is due at that same instant, so a timer re-armed in the callback is never
 * the earliest: no warp happens inside the pass, and the interrupt is taken at
 * its exact time. The guard itself only ever lands on a deadline that exists
 * anyway, so it changes neither the icount budget nor where the clock warps to.
 */
static void guard_refresh(void)
{
    /* The vCPU may be running (without the big lock) and advancing the clock:
     * wait until two readings agree, so that deadline and time are consistent.
     * It cannot run past the earliest deadline, so this ends. */
    for (;;) {
        int64_t before = q.clock_get_ns(QEMU_CLOCK_VIRTUAL);
        int64_t deadline = q.timerlist_deadline_ns(virtual_timers);
        int64_t after = q.clock_get_ns(QEMU_CLOCK_VIRTUAL);
        if (before == after) {
            if (deadline >= 0) {
                q.timer_mod(guard_timer.bytes, before + deadline);
            }
            return;
        }
    }
}

static void guard_timer_cb(void *opaque)
{
    (void)opaque;
    guard_refresh();
}

static void poll_notify(sim_notifier *notifier, void *data)
{
    (void)notifier;
    (void)data;
    if (running) {
        guard_refresh();
    }
}

/* ---- the WFI hold: no warp before the vCPU has counted its instructions ---- */

/*
 * The vCPU thread runs its icount budget without the big lock and adds the
 * instructions it executed to the virtual clock only after it leaves the
 * translated code (icount_process_data). A WFI marks the CPU halted while it is
 * still in there. The main loop, which warps the clock to the next deadline as
 * soon as every CPU is idle (icount_start_warp_timer, sleep=off), reads the clock
 * from its own thread, where those instructions are not counted yet: if it warps
 * in that window, the jump is too long by exactly the instructions executed since
 * the budget began (the stop "27 ns late" under heavy load; on a quiet machine the
 * vCPU nearly always wins the race).
 *
 * The plugin closes the window: just before every WFI executes (on the vCPU
 * thread) it queues an empty work item on the CPU. A CPU with queued work is not
 * idle, so the main loop does not warp; the vCPU leaves the translated code, counts
 * its instructions, takes the big lock and runs the work item, and only then is it
 * idle. Work items change no instruction count, so nothing else moves.
 */
static void hold_work(void *cpu, run_on_cpu_data data)
{
    (void)cpu;
    (void)data;
}

static void before_wfi(unsigned int vcpu_index, void *userdata)
{
    (void)userdata;
    run_on_cpu_data none = {.host_ptr = NULL};
    q.async_run_on_cpu(q.get_cpu((int)vcpu_index), hold_work, none);
}

/* WFI in Thumb (16-bit BF30, 32-bit F3AF 8003) or A32 (any condition, x320F003). */
static bool is_wfi(const uint8_t *b, size_t size)
{
    if (size == 2) {
        return b[0] == 0x30 && b[1] == 0xbf;
    }
    if (size == 4) {
        uint32_t thumb2 = (uint32_t)(b[0] | b[1] << 8) << 16 | (uint32_t)(b[2] | b[3] << 8);
        uint32_t a32 = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        return thumb2 == 0xf3af8003u || (a32 & 0x0fffffffu) == 0x0320f003u;
    }
    return false;
}

/*
 * Every translation block is scanned for WFI (above). The first translation
 * happens on the vCPU thread once the machine runs: the first grant (received
 * during set-up) is armed here. Arming a timer from the vCPU thread kicks it back
 * to its loop, which recomputes the icount budget before the next translation block.
 */
static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = q.tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = q.tb_get_insn(tb, i);
        if (is_wfi(q.insn_data(insn), q.insn_size(insn))) {
            q.register_insn_exec_cb(insn, before_wfi, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
    }
    if (running) {
        return;
    }
    running = true;
    q.timer_mod(grant_timer.bytes, granted_ns);
    rx_pump();
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index)
{
    (void)id;
    (void)vcpu_index;
    if (timers_ready) {
        fail("more than one vCPU: only single-core machines can be stepped");
    }
    q.timer_init_full(grant_timer.bytes, NULL, QEMU_CLOCK_VIRTUAL, SCALE_NS, 0, grant_timer_cb, NULL);
    q.timer_init_full(rx_timer.bytes, NULL, QEMU_CLOCK_VIRTUAL, SCALE_NS, 0, rx_timer_cb, NULL);
    q.timer_init_full(guard_timer.bytes, NULL, QEMU_CLOCK_VIRTUAL, SCALE_NS, 0, guard_timer_cb, NULL);
    virtual_timers = q.main_timerlist(QEMU_CLOCK_VIRTUAL);
    poll_notifier.notify = poll_notify;
    q.poll_add_notifier(&poll_notifier);
    timers_ready = true;
    uint8_t hello[12];
    put_u32(hello, PROTOCOL_VERSION);
    put_i64(hello + 4, q.clock_get_ns(QEMU_CLOCK_VIRTUAL));
    if (!send_frame('H', hello, sizeof hello, NULL, 0)) {
        fprintf(stderr, LOG_PREFIX "the socket to sim broke at start; exiting\n");
        die(1);
    }
    wait_grant();
}

/* Looks every needed symbol up; prints what is missing and returns false. */
static bool resolve_symbols(void)
{
    char missing[1024] = "";
    size_t count = sizeof NEEDED / sizeof NEEDED[0];
    bool ok = true, api_missing = false;
    for (size_t i = 0; i < count; i++) {
        void *sym = dlsym(RTLD_DEFAULT, NEEDED[i].name);
        if (NEEDED[i].slot != NULL) {
            *NEEDED[i].slot = sym;
        }
        if (sym == NULL) {
            ok = false;
            api_missing |= NEEDED[i].plugin_api;
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, "%s%s", used == 0 ? "" : ", ", NEEDED[i].name);
        }
    }
    if (!ok) {
        fprintf(stderr,
                LOG_PREFIX "refusing to load: this QEMU does not export %s. %s"
                           "The plugin needs QEMU 7.2 or later built with plugin support and its internal symbols "
                           "exported (as Debian's qemu-system-arm is).\n",
                missing,
                api_missing ? "It lacks the plugin API. " : "They are QEMU internals outside the official plugin API. ");
    }
    return ok;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *sock_path = NULL;
    bool probe = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "sock=", 5) == 0) {
            sock_path = arg + 5;
        } else if (strncmp(arg, "tx=", 3) == 0) {
            tx_path = arg + 3;
        } else if (strncmp(arg, "chardev=", 8) == 0) {
            chardev_id = arg + 8;
        } else if (strncmp(arg, "rx_interval_ns=", 15) == 0) {
            char *end;
            long long v = strtoll(arg + 15, &end, 10);
            if (*end != '\0' || v <= 0) {
                fprintf(stderr, LOG_PREFIX "rx_interval_ns must be a positive integer, not \"%s\"\n", arg + 15);
                return -1;
            }
            rx_interval_ns = v;
        } else if (strcmp(arg, "probe=on") == 0) {
            probe = true;
        } else {
            fprintf(stderr, LOG_PREFIX "unknown argument \"%s\"\n", arg);
            return -1;
        }
    }
    if (!resolve_symbols()) {
        return -1;
    }
    if (info == NULL || !info->system_emulation) {
        fprintf(stderr, LOG_PREFIX "refusing to load: only system emulation (qemu-system-*) can be stepped\n");
        return -1;
    }
    if (probe) {
        printf(LOG_PREFIX "ok %s\n", info->target_name);
        fflush(stdout);
        exit(0);
    }
    if (sock_path == NULL || tx_path == NULL) {
        fprintf(stderr, LOG_PREFIX "the arguments sock=PATH and tx=PATH are required\n");
        return -1;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(sock_path) >= sizeof addr.sun_path) {
        fprintf(stderr, LOG_PREFIX "socket path too long (%zu bytes): %s\n", strlen(sock_path), sock_path);
        return -1;
    }
    strcpy(addr.sun_path, sock_path);
    sock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock_fd < 0 || connect(sock_fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, LOG_PREFIX "cannot connect to %s: %s\n", sock_path, strerror(errno));
        return -1;
    }
    q.register_vcpu_init_cb(id, vcpu_init);
    q.register_tb_trans_cb(id, tb_trans);
    return 0;
}
