package io.farsync.sync.protocol;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;

/**
 * An entry's metadata as it travels: no inode (that is local to a host).
 *
 * @param path       relative, '/'-separated; the receiver validates it before any use
 * @param linkTarget a symlink's target text; null for other types
 */
public record WireEntry(String path, EntryType type, long size, long mtimeNanos, int mode, String linkTarget) {

    public static WireEntry of(Entry e) {
        return new WireEntry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.linkTarget());
    }
}
