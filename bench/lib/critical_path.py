#!/usr/bin/env python3
"""The one-connection path of a proxy, phase by phase, from syscall tracepoints.

A proxy's added latency at one connection is what it does between four syscalls:
  A: the client's request read (its first data recvfrom) -> the write to the upstream
  B: the upstream's answer read (its last data recvfrom before the reply) -> the write to
     the client
Everything else (waiting for the upstream, the kernel's loopback) the direct call pays too.
Record while bench/lib/interleave.cpp (or any one-connection client) runs, e.g.:

  perf record -e syscalls:sys_enter_recvfrom -e syscalls:sys_exit_recvfrom \
      -e syscalls:sys_enter_sendto -e syscalls:sys_enter_writev -p PID[,PID...] -- sleep 8
  perf script -F pid,tid,time,event,trace | sed 's#^ *\\([0-9]*\\)/#\\1 #' |
      awk -v p=PID '$1 == p' | cut -d' ' -f2- | bench/lib/critical_path.py

(one process's lines at a time: gw, or nginx's workers). Prints p50 and p90 of A and B in
microseconds. A socket is the client's when the thread first reads from it while waiting for a
request (a proxy reads the request, writes upstream, reads the answer, writes it back).
Measures, asserts nothing; the tracepoints add a few microseconds to both proxies alike.
"""
import collections
import re
import sys

LINE = re.compile(r'\s*(\d+)\s+(\d+\.\d+):\s+syscalls:(\w+):\s*(.*)')


def field(rest, name):
    return int(re.search(name + r': (0x[0-9a-f]+)', rest).group(1), 16)


def main():
    pending = {}  # tid -> (fd, flags) of the recvfrom in progress
    kind = {}  # (tid, fd) -> 'client' | 'upstream'
    state = collections.defaultdict(lambda: {'expect': 'request'})  # per thread
    phase_a, phase_b = [], []
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        tid, t, event, rest = m.group(1), float(m.group(2)) * 1e6, m.group(3), m.group(4)
        if event == 'sys_enter_recvfrom':
            pending[tid] = (field(rest, 'fd'), field(rest, 'flags'))
        elif event == 'sys_exit_recvfrom':
            got = int(rest.strip(), 16)
            call = pending.pop(tid, None)
            # data only: not EAGAIN (a negative errno), not a 1-byte MSG_PEEK
            if not call or call[1] != 0 or not 1 < got < 1 << 20:
                continue
            s = state[tid]
            k = kind.setdefault((tid, call[0]),
                                'client' if s['expect'] == 'request' else 'upstream')
            if k == 'client':
                s.setdefault('request', t)
            else:
                s['answer'] = t
        elif event in ('sys_enter_sendto', 'sys_enter_writev'):
            fd, s = field(rest, 'fd'), state[tid]
            if kind.get((tid, fd)) == 'client':
                if 'answer' in s:
                    phase_b.append(t - s.pop('answer'))
                s['expect'] = 'request'
            else:
                kind[(tid, fd)] = 'upstream'
                if 'request' in s:
                    phase_a.append(t - s.pop('request'))
                s['expect'] = 'answer'
                s.pop('answer', None)

    def q(xs, p):
        xs = sorted(xs)
        return xs[int(p * (len(xs) - 1))] if xs else 0

    print(f'A (request in -> upstream out) p50={q(phase_a, .5):.0f} p90={q(phase_a, .9):.0f} us '
          f'(n={len(phase_a)})   B (answer in -> client out) p50={q(phase_b, .5):.0f} '
          f'p90={q(phase_b, .9):.0f} us (n={len(phase_b)})')


if __name__ == '__main__':
    main()
