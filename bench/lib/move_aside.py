"""Moves bench/lib/additions.py's files (n*.bin one level down) out of two trees into TRASH/src and
TRASH/dst, on the same file system: a rename frees no inode, so the next additions do not pay for
ext4's recently-deleted inode checks (bench/lib/inode-settle.sh). Delete TRASH when done measuring.

    python3 bench/lib/move_aside.py SRC DST TRASH
"""
import os
import sys

src, dst, trash = sys.argv[1:4]
for side, root in (("src", src), ("dst", dst)):
    for d in os.listdir(root):
        p = os.path.join(root, d)
        if not os.path.isdir(p) or d.startswith(".farsync"):
            continue
        for f in os.listdir(p):
            if f.startswith("n") and f.endswith(".bin"):
                os.makedirs(os.path.join(trash, side, d), exist_ok=True)
                os.rename(os.path.join(p, f), os.path.join(trash, side, d, f))
