#!/usr/bin/env python3
"""Where a one-connection request's time goes, every process on its way, from syscall tracepoints.

bench/lib/critical_path.py times a proxy's own two stretches; this follows each request of an
interleaved run (bench/lib/interleave.cpp) across the client, the proxy and the upstream:

  W1  the client's write -> the proxy's read of the request
  A   the proxy's read of the request -> its write upstream
  W2  the proxy's write -> the upstream's read
  up  the upstream's read -> its last write of the answer (its own work)
  W3  the upstream's last write -> the proxy's last read of the answer
  B   the proxy's read of the answer -> its write to the client
  W4  the proxy's write -> the client's read

and, for every path, the upstream's time by the CPU its thread ran on: the fake upstream serves
each keep-alive connection on a thread of its own, so a path's added latency also carries
where that thread ran. Record while `interleave` runs, e.g.:

  perf record -a -e syscalls:sys_enter_write -e syscalls:sys_exit_read \\
      -e syscalls:sys_enter_sendto -e syscalls:sys_exit_recvfrom -e syscalls:sys_enter_writev \\
      -- sleep 6
  perf script -F comm,pid,tid,cpu,time,event,trace |
      bench/lib/timeline.py --upstream FAKE_PID --proxy nginx=WORKER_PID,WORKER_PID --proxy gw=GW_PID

(the client is the process named `interleave`, or --client NAME). Prints medians in
microseconds. Measures, asserts nothing; the tracepoints add a few microseconds everywhere.
"""
import argparse
import collections
import re
import sys

LINE = re.compile(r'\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+syscalls:(\w+):\s*(.*)')
PHASES = ['W1', 'A', 'W2', 'up', 'W3', 'B', 'W4']


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else float('nan')


def read_events(lines, client, roles):
    """(time us, role, 'recv' | 'send', cpu) for data reads and for writes, in time order."""
    out = []
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        comm, pid, _tid, cpu, t, event, rest = m.groups()
        role = 'client' if comm.strip() == client else roles.get(pid)
        if not role:
            continue
        if event.startswith('sys_exit'):
            got = int(rest.strip(), 16)
            if not 1 < got < 1 << 20:  # data only: not EAGAIN (a negative errno), not a peek
                continue
            out.append((float(t) * 1e6, role, 'recv', int(cpu)))
        else:
            out.append((float(t) * 1e6, role, 'send', int(cpu)))
    out.sort()
    return out


def requests(events):
    """Each client request: its path and its phases (the client sends one at a time)."""
    i = 0
    while i < len(events):
        t0, role, kind, _ = events[i]
        if role != 'client' or kind != 'send':
            i += 1
            continue
        j = i + 1
        while j < len(events) and not (events[j][1] == 'client' and events[j][2] == 'recv'):
            j += 1
        if j == len(events):
            return
        seq, t7 = events[i + 1:j], events[j][0]
        i = j + 1
        up_r = [e for e in seq if e[1] == 'upstream' and e[2] == 'recv']
        up_s = [e for e in seq if e[1] == 'upstream' and e[2] == 'send']
        proxy = [e for e in seq if e[1] not in ('upstream', 'client')]
        if not up_r or not up_s:
            continue
        t3, t4, cpu = up_r[0][0], up_s[-1][0], up_r[0][3]
        if not proxy:
            yield 'direct', {'total': t7 - t0, 'up': t4 - t3}, cpu
            continue
        p_r = [e[0] for e in proxy if e[2] == 'recv']
        p_s = [e[0] for e in proxy if e[2] == 'send']
        if len(p_r) < 2 or len(p_s) < 2:
            continue
        t1, t2, t6 = p_r[0], p_s[0], p_s[-1]
        t5 = max(t for t in p_r if t < t6)
        yield proxy[0][1], {'total': t7 - t0, 'W1': t1 - t0, 'A': t2 - t1, 'W2': t3 - t2,
                            'up': t4 - t3, 'W3': t5 - t4, 'B': t6 - t5, 'W4': t7 - t6}, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--upstream', required=True, help='the upstream process id')
    ap.add_argument('--proxy', action='append', default=[], help='NAME=PID[,PID...]')
    ap.add_argument('--client', default='interleave', help='the client process name')
    args = ap.parse_args()
    roles = {
  args.upstream : 'upstream'}
    for p in args.proxy:
        name, pids = p.split('=', 1)
        roles.update({
pid: name for pid in pids.split(',')})
    paths = ['direct'] + [p.split('=', 1)[0] for p in args.proxy]
    phases = collections.defaultdict(lambda: collections.defaultdict(list))
    by_cpu = collections.defaultdict(lambda: collections.defaultdict(list))
    for path, ph, cpu in requests(read_events(sys.stdin, args.client, roles)):
        for k, v in ph.items():
            phases[path][k].append(v)
        by_cpu[path][cpu].append(ph['up'])
    print('%-8s %7s %6s' % ('path', 'total', 'n') + ''.join('%7s' % k for k in PHASES))
    for path in paths:
        d = phases[path]
        print('%-8s %7.0f %6d' % (path, median(d['total']), len(d['total'])) +
              ''.join('%7.0f' % median(d[k]) if d[k] else '%7s' % '-' for k in PHASES))
    print('\nthe upstream\'s own time by the CPU it ran on (median, share of the path\'s requests)')
    for path in paths:
        n = sum(len(v) for v in by_cpu[path].values()) or 1
        print('%-8s ' % path + '  '.join('cpu%d %4.0f us (%2.0f%%)' % (c, median(v), 100 * len(v) / n)
                                         for c, v in sorted(by_cpu[path].items())))


if __name__ == '__main__':
    main()
