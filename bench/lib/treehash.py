#!/usr/bin/env python3
"""Prints one line per entry of a tree (type, relative path, size and SHA-256 of a file, link
target), sorted: two trees are byte-identical when the listings are equal.

    treehash.py ROOT"""
import hashlib, os, stat, sys

root = sys.argv[1]
out = []
for d, subdirs, names in os.walk(root):
    for name in subdirs + names:
        p = os.path.join(d, name)
        rel = os.path.relpath(p, root)
        try:
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.append("l %s -> %s" % (rel, os.readlink(p)))
            elif stat.S_ISDIR(st.st_mode):
                out.append("d %s" % rel)
            else:
                with open(p, "rb") as f:
                    out.append("f %s %d %s" % (rel, st.st_size, hashlib.sha256(f.read()).hexdigest()))
        except OSError as e:
            out.append("? %s %s" % (rel, e.strerror))
print("\n".join(sorted(out)))
