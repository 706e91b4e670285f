#!/usr/bin/env python3
"""JIT compilations of one JVM by package group, from HotSpot's compilation log.

Usage: bench/lib/jitlog.py LOG ...   (LOG written by -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation
-XX:LogFile=LOG; bench/lib/farsync-jitlog gives each farsync JVM of a benchmark its own log).

A compilation's time is its task's stamp to its task_done's stamp: wall time of the compiler
thread, so on a loaded machine it includes time the thread waited for a core; compare shares
and counts between runs, not absolute seconds. Prints a markdown table (C2 = tier 4, C1 = tiers
1-3), the methods whose C2 compilations took longest, and the compilations above 50 ms.
"""
import collections
import re
import sys

GROUPS = [('io/farsync/', 'farsync'), ('org/bouncycastle/', 'BouncyCastle'), ('org/apache/sshd/', 'SSHD'),
          ('org/sqlite/', 'sqlite-jdbc'), ('com/fasterxml/jackson', 'Jackson'), ('picocli/', 'picocli'),
          ('ch/qos/logback', 'logback'), ('org/slf4j', 'logback'), ('com/sun/jna', 'JNA'),
          ('jdk/internal/org/objectweb/asm', 'JDK ASM (class generation)'),
          ('com/sun/crypto', 'JDK crypto'), ('sun/security', 'JDK crypto'), ('javax/crypto', 'JDK crypto'),
          ('java/security', 'JDK crypto'), ('java/util/concurrent', 'JDK concurrent'),
          ('java/util/stream', 'JDK lambda/invoke/streams'), ('java/lang/invoke', 'JDK lambda/invoke/streams'),
          ('java/util/', 'JDK collections/util'), ('sun/nio', 'JDK nio'), ('java/nio', 'JDK nio'),
          ('java/io', 'JDK io'), ('java/lang/', 'JDK lang'), ('jdk/internal/', 'JDK internal'), ('jdk/jfr', 'JFR'),
          ('sun/', 'JDK other'), ('java/', 'JDK other'), ('jdk/', 'JDK other')]
TASK = re.compile(r"<task compile_id='\d+'(?: compile_kind='(\w+)')? method='(\S+) (\S+) [^']*' bytes='(\d+)'"
                  r"(?:.*?level='(\d)')?.*?stamp='([\d.]+)'")
DONE = re.compile(r"<task_done success='\d' nmsize='(\d+)'.*?stamp='([\d.]+)'")


def group(cls):
    cls = cls.replace('.', '/')
    if 'Lambda' in cls and '$$' in cls or 'LambdaForm$' in cls:
        return 'JDK lambda/invoke/streams'
    return next((g for prefix, g in GROUPS if cls.startswith(prefix)), 'other')


def summarise(path):
    groups = collections.defaultdict(lambda: [0, 0.0, 0, 0.0, 0])  # C2 n, C2 s, C1 n, C1 s, OSR
    by_method, big, task = collections.Counter(), [], None
    with open(path, errors='replace') as log:
        for line in log:
            started = TASK.search(line)
            if started:
                task = started.groups()
                continue
            done = DONE.search(line)
            if done and task:
                kind, cls, name, nbytes, level, t0 = task
                level, secs, method = int(level or 4), float(done.group(2)) - float(t0), cls + '::' + name
                g = groups[group(cls)]
                g[0 if level == 4 else 2] += 1
                g[1 if level == 4 else 3] += secs
                g[4] += kind == 'osr'
                if level == 4:
                    by_method[method] += secs
                if secs > 0.05:
                    big.append((secs, level, method, kind == 'osr', nbytes))
                task = None
    total = [sum(g[i] for g in groups.values()) for i in range(5)]
    print(f'## {path}: C2 {total[0]} compilations, {total[1]:.2f} s; C1 {total[2]}, {total[3]:.2f} s; OSR {total[4]}\n')
    print('| group | C2 n | C2 s | C1 n | C1 s | OSR | share of compile time |')
    print('|---|---|---|---|---|---|---|')
    for name, g in sorted(groups.items(), key=lambda item: -(item[1][1] + item[1][3])):
        share = 100 * (g[1] + g[3]) / max(1e-9, total[1] + total[3])
        print(f'| {name} | {g[0]} | {g[1]:.2f} | {g[2]} | {g[3]:.2f} | {g[4]} | {share:.1f} % |')
    print('\nLongest C2 methods (s, all their compilations):')
    for method, secs in by_method.most_common(15):
        print(f'  {secs:.3f} {method}')
    print(f'\nCompilations above 50 ms: {len(big)}; largest:')
    for entry in sorted(big, reverse=True)[:10]:
        print('  %.3f s tier %d %s osr=%s bytecodes=%s' % entry)
    print()


if __name__ == '__main__':
    for arg in sys.argv[1:]:
        summarise(arg)
