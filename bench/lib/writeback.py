#!/usr/bin/env python3
"""What the final flush of a large received file costs on this disk, and what early writeback
(sync_file_range SYNC_FILE_RANGE_WRITE every 8 MiB, as sync.apply.Writeback does) leaves of it.
Copies FILE to a new file in 1 MiB writes, then fsyncs it; prints the write and fsync seconds.
    bench/lib/writeback.py FILE DEST none|write     (run each a few times, alternating)
"""
import ctypes
import os
import sys
import time

SYNC_FILE_RANGE_WRITE = 2
WINDOW = 8 << 20
libc = ctypes.CDLL(None, use_errno=True)
src, dest, mode = sys.argv[1], sys.argv[2], sys.argv[3]
os.system('sync')
fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
t0 = time.time()
pos = handed = 0
with open(src, 'rb') as f:
    while b := f.read(1 << 20):
        os.write(fd, b)
        pos += len(b)
        if mode == 'write' and pos - handed >= WINDOW:
            if libc.sync_file_range(fd, ctypes.c_longlong(handed), ctypes.c_longlong(pos - handed), SYNC_FILE_RANGE_WRITE):
                raise OSError(ctypes.get_errno(), 'sync_file_range')
            handed = pos
t1 = time.time()
os.fsync(fd)
t2 = time.time()
os.close(fd)
os.unlink(dest)
print(f'{mode}: {pos >> 20} MiB written in {t1 - t0:.2f} s, then fsync {t2 - t1:.2f} s')
