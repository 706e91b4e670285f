package io.farsync.sync;

import java.nio.file.Path;

/**
 * Keeps every path inside a root: validates relative wire paths and resolves requested
 * directories the way a chroot would.
 */
public final class PathJail {

    private PathJail() {
    }

    /**
     * Resolves {@code requested} (as a client names it, "/project" or "project/sub") inside
     * {@code root}: absolute paths are taken relative to the root, ".." may not climb above it, and
     * the resolved path's existing part may not leave the root through a symlink. Throws
     * {@link io.farsync.common.FarsyncException} with {@code PATH_ESCAPE} otherwise.
     */
    public static Path resolveInRoot(Path root, String requested) {
        throw new UnsupportedOperationException("not yet");
    }
}
