package io.farsync.sync.apply;

import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.Xattrs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata beyond mode and mtime that a destination gives its entries on request: owner and
 * group ({@code --preserve-owner}) and user extended attributes ({@code --xattrs}). Called by the
 * {@link Applier} on a temp file before its rename, and on entries already in place whose
 * metadata alone changed. Everything is set without following links ({@code lchown}).
 *
 * <p>Owners: only root may give files away, so without root the owner is left alone and the
 * destination says so once ({@link #warnings()}), rather than failing every entry. Owners travel
 * as numbers, as with rsync's {@code --numeric-ids}: no user-name mapping between hosts.
 */
public final class Metadata {

    private static final Logger log = LoggerFactory.getLogger(Metadata.class);

    /** Sets nothing beyond mode and mtime. */
    public static final Metadata NONE = new Metadata(false, false, false);

    private final boolean owners;
    private final boolean xattrs;
    private final boolean ownersRequestedWithoutRoot;

    private Metadata(boolean owners, boolean xattrs, boolean ownersRequestedWithoutRoot) {
        this.owners = owners;
        this.xattrs = xattrs;
        this.ownersRequestedWithoutRoot = ownersRequestedWithoutRoot;
    }

    /**
     * @param preserveOwner set uid and gid (only effective if {@code root}; else a warning)
     * @param xattrs        set the user extended attributes entries carry
     * @param root          this process may change owners (effective uid 0)
     */
    public static Metadata of(boolean preserveOwner, boolean xattrs, boolean root) {
        return new Metadata(preserveOwner && root, xattrs, preserveOwner && !root);
    }

    /** True if this process runs with effective uid 0 (and so may chown). */
    public static boolean runningAsRoot() {
        try {
            // /proc/self belongs to the process's effective uid
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** True if this sets anything beyond mode and mtime. */
    boolean active() {
        return owners || xattrs;
    }

    /** What the user should hear once per run: a requested setting that cannot take effect here. */
    public java.util.List<String> warnings() {
        return ownersRequestedWithoutRoot
                ? java.util.List.of("--preserve-owner: the receiving side does not run as root; owners and groups are left as they are")
                : java.util.List.of();
    }

    /**
     * Gives {@code target} (as it is now: {@code now}) the owner and extended attributes of
     * {@code e} where they differ and this side preserves them. Returns true if it changed anything.
     */
    boolean apply(Path target, Entry now, WireEntry e) throws IOException {
        boolean changed = false;
        if (owners && e.uid() != Entry.UNKNOWN_ID && e.gid() != Entry.UNKNOWN_ID && (now.uid() != e.uid() || now.gid() != e.gid())) {
            // chown clears setuid/setgid: callers set the mode after this
            Files.setAttribute(target, "unix:uid", e.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(target, "unix:gid", e.gid(), LinkOption.NOFOLLOW_LINKS);
            changed = true;
        }
        if (xattrs && e.xattrs() != null && !now.isSymlink()) {
            changed |= applyXattrs(target, e.xattrs());
        }
        return changed;
    }

    private static boolean applyXattrs(Path target, SortedMap<String, byte[]> wanted) throws IOException {
        Map<String, byte[]> have = Xattrs.read(target);
        UserDefinedFileAttributeView view = Files.getFileAttributeView(target, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            if (!wanted.isEmpty()) {
                throw new IOException("extended attributes not supported here");
            }
            return false;
        }
        boolean changed = false;
        for (String name : have.keySet()) {
            if (!wanted.containsKey(name)) {
                view.delete(name);
                changed = true;
            }
        }
        for (Map.Entry<String, byte[]> a : wanted.entrySet()) {
            if (!Arrays.equals(have.get(a.getKey()), a.getValue())) {
                view.write(a.getKey(), ByteBuffer.wrap(a.getValue()));
                changed = true;
            }
        }
        if (changed) {
            log.debug("set {} extended attributes on {}", wanted.size(), target);
        }
        return changed;
    }
}
