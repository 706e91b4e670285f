package io.farsync.sync.apply;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.Checksum;
import io.farsync.sync.PathJail;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.IoReasons;
import io.farsync.sync.scan.Stat;
import io.farsync.sync.scan.TempNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Applies received entries to the destination tree, and never writes outside it.
 *
 * <p>Every path is checked by {@link PathJail#checkWirePath} and every parent below the root
 * must be a real directory, checked with lstat (so a symlink {@code a -> /etc} followed by a file
 * {@code a/passwd} is refused, whoever created the link). Files are written to a hidden temp
 * file in the target's directory, fsynced, given their mode and mtime, and renamed over the
 * target with {@code ATOMIC_MOVE}: a reader sees the old file or the complete new one, never a
 * part. Not thread-safe: one applier per destination run.
 *
 * <p>File contents, their mode and mtime, renames into place, moves and deletes go through
 * {@link DirectoryHandle}s (openat-style, walked down from the root without following links), so
 * a local process that swaps a checked directory for a symlink cannot redirect them. Creating
 * directories and symlinks, and a directory's final mode and mtime, still go by path after the
 * lstat checks: the JDK has no mkdirat or symlinkat (see SECURITY.md). A received file's mode
 * and mtime are set on its open descriptor where {@link NativeFiles} can (else by path), and the
 * directories received files go into stay open from one file to the next ({@link OpenDirectories}).
 */
public final class Applier {

    private static final XXHashFactory HASHES = XXHashFactory.fastestInstance();
    private static final Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rw-------");

    private final Path root;
    /** Directories below the root already verified (or created) as real directories in this run. */
    private final Set<String> verifiedDirs = new HashSet<>();
    /** Directories whose entries were renamed, created or deleted since {@link #takeTouchedDirs()}. */
    private final Set<Path> touchedDirs = new LinkedHashSet<>();

    /** Owner and extended attributes, when the sync carries them. */
    private final Metadata metadata;
    /** Directories that received files go into, kept open between files. */
    private final OpenDirectories openDirs;

    public Applier(Path root) {
        this(root, Metadata.NONE);
    }

    public Applier(Path root, Metadata metadata) {
        this.root = root;
        this.metadata = metadata;
        this.openDirs = new OpenDirectories(root);
    }

    public Path root() {
        return root;
    }

    /** The absolute target of a wire path after validation ({@code PATH_ESCAPE} if it is invalid). */
    public Path target(String rel) {
        return root.resolve(PathJail.checkWirePath(rel));
    }

    /**
     * The current entry at {@code rel}, or null if absent, not a supported type, or not reachable
     * through real directories (then it is not part of this tree).
     */
    public Entry current(String rel) throws EntryFailure {
        Path target = target(rel);
        if (!parentsAreDirectories(rel, false)) {
            return null;
        }
        try {
            return Stat.lstatOrNull(target, rel);
        } catch (IOException e) {
            throw new EntryFailure(IoReasons.reason(e) + ": " + target, e);
        }
    }

    /** Creates the directory (replacing a file or symlink there) and makes it writable for us. */
    public boolean ensureDirectory(WireEntry e) throws EntryFailure {
        Path target = target(e.path());
        requireParents(e.path());
        boolean created = false;
        try {
            BasicFileAttributes a = attrsOrNull(target);
            if (a != null && !a.isDirectory()) {
                Files.delete(target);
                touched(target);
                a = null;
            }
            if (a == null) {
                Files.createDirectory(target);
                touched(target);
                created = true;
            }
            int mode = Stat.lstatOrNull(target, e.path()).mode();
            if ((mode & 0700) != 0700) {
                // Final mode is set by finishDirectory, after everything inside was written.
                Files.setAttribute(target, "unix:mode", mode | 0700, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException ex) {
            throw failure(ex, target);
        }
        verifiedDirs.add(e.path());
        return created;
    }

    /** An entry as it is on disk after an operation, and whether the operation changed anything. */
    public record Applied(Entry entry, boolean changed) {
    }

    /**
     * Gives a directory its final mode and mtime (call after its contents are written). Returns
     * the directory as it is now, or throws if it is no longer a directory.
     */
    public Applied finishDirectory(WireEntry e) throws EntryFailure {
        Path target = target(e.path());
        requireParents(e.path());
        try {
            Entry now = Stat.lstatOrNull(target, e.path());
            if (now == null || !now.isDirectory()) {
                throw new EntryFailure("no longer a directory: " + target);
            }
            boolean changed = metadata.active() && metadata.apply(target, now, e);
            changed |= setModeAndMtime(target, now, e.mode(), e.mtimeNanos());
            return new Applied(Stat.lstatOrNull(target, e.path()), changed);
        } catch (IOException ex) {
            throw failure(ex, target);
        }
    }

    /**
     * Gives the root directory {@code mode} (setuid and setgid dropped, as for every entry) and
     * {@code mtimeNanos} where they differ. A root that is a symlink to a directory is the
     * directory it leads to, as for the whole sync.
     */
    public void finishRoot(int mode, long mtimeNanos) throws EntryFailure {
        try {
            Path dir = root.toRealPath();
            Entry now = Stat.lstatOrNull(dir, "");
            if (now == null || !now.isDirectory()) {
                throw new EntryFailure("no longer a directory: " + root);
            }
            setModeAndMtime(dir, now, mode, mtimeNanos);
        } catch (IOException ex) {
            throw failure(ex, root);
        }
    }

    /**
     * Gives the directory {@code dir}, lstat'ed as {@code now}, {@code mode} (setuid and setgid
     * dropped) and {@code mtimeNanos} where they differ; true if it changed either.
     */
    private static boolean setModeAndMtime(Path dir, Entry now, int mode, long mtimeNanos) throws IOException {
        boolean changed = false;
        if (now.mode() != (mode & Stat.MODE_MASK)) {
            Files.setAttribute(dir, "unix:mode", mode & Stat.MODE_MASK, LinkOption.NOFOLLOW_LINKS);
            changed = true;
        }
        if (now.mtimeNanos() != mtimeNanos) {
            setMtime(dir, mtimeNanos);
            changed = true;
        }
        return changed;
    }

    /** Makes {@code rel} a symlink with the entry's target text; false if it already was. */
    public boolean ensureSymlink(WireEntry e) throws EntryFailure {
        Path target = target(e.path());
        requireParents(e.path());
        Path linkText;
        try {
            linkText = Path.of(e.linkTarget());
        } catch (InvalidPathException ex) {
            throw new EntryFailure("invalid symlink target: " + ex.getMessage());
        }
        Path temp = target.resolveSibling(TempNames.forFinalName(target.getFileName().toString()));
        try {
            Entry now = Stat.lstatOrNull(target, e.path());
            if (now != null && now.isSymlink() && now.linkTarget().equals(e.linkTarget())) {
                return metadata.active() && metadata.apply(target, now, e);
            }
            makeRoomFor(target, now);
            Files.createSymbolicLink(temp, linkText);
            if (metadata.active()) {
                metadata.apply(temp, Stat.lstatOrNull(temp, e.path()), e);
            }
            try {
                setMtime(temp, e.mtimeNanos());
            } catch (IOException | UnsupportedOperationException ignored) {
                // Link mtimes are cosmetic and not compared; a platform without lutimes keeps going.
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            touched(target);
            verifiedDirs.remove(e.path());
            return true;
        } catch (IOException ex) {
            deleteQuietly(temp);
            throw failure(ex, target);
        }
    }

    /** Opens a temp file for the entry's contents in the target's directory, hashing them with {@code checksum}. */
    public TempFile createTemp(WireEntry e, Checksum checksum) throws EntryFailure {
        return prepareTemp(e).open(checksum);
    }

    /**
     * The applier's half of {@link #createTemp}: checks the target's parents and opens (or
     * reuses) its directory; {@link NewTemp#open} then creates the file, on any thread. Lets the
     * destination hand the system calls of a new file to a writer thread while this applier stays
     * on its own (docs/PERFORMANCE.md, "Session 11").
     */
    public NewTemp prepareTemp(WireEntry e) throws EntryFailure {
        Path target = target(e.path());
        requireParents(e.path());
        String name = target.getFileName().toString();
        try {
            return new NewTemp(openDirs.parentOf(e.path()), TempNames.forFinalName(name), name, target);
        } catch (IOException ex) {
            throw failure(ex, target.getParent());
        }
    }

    /**
     * A temp file about to be created in {@code dir} (held open for it): {@link #open} once, or
     * {@link #abandon}. Thread-safe apart from that: it touches no state of the applier.
     */
    public static final class NewTemp {
        private final DirectoryHandle dir;
        private final String tempName;
        private final String name;
        private final Path target;

        private NewTemp(DirectoryHandle dir, String tempName, String name, Path target) {
            this.dir = dir;
            this.tempName = tempName;
            this.name = name;
            this.target = target;
        }

        /** Where the temp file will be. */
        public Path path() {
            return dir.path().resolve(tempName);
        }

        /** Creates the temp file (owner-only, never over an existing name); its directory goes with it. */
        public TempFile open(Checksum checksum) throws EntryFailure {
            try {
                FileChannel ch = dir.open(tempName, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
                return new TempFile(dir, tempName, name, ch, checksum, false);
            } catch (IOException ex) {
                dir.closeQuietly();
                throw failure(ex, target);
            }
        }

        /** Not opened after all: releases the directory. */
        public void abandon() {
            dir.closeQuietly();
        }
    }

    /**
     * Gives a completely written temp file its mode and mtime on its descriptor, where that is
     * all {@link #commit} would do besides the fsync, the close and the rename (no owner or
     * extended attributes to apply, {@link NativeFiles} available); else leaves it to
     * {@link #commit}. The file stays open for its fsync. Touches no state of the applier: safe
     * on a writer thread. On failure the temp file is gone.
     */
    public void finishContents(TempFile t, WireEntry e) throws EntryFailure {
        if (metadata.active() || !NativeFiles.available()) {
            return;
        }
        try {
            NativeFiles.setModeAndMtime(t.channel, e.mode() & Stat.MODE_MASK, e.mtimeNanos());
            t.markFinished();
        } catch (IOException ex) {
            t.discard();
            throw failure(ex, t.target);
        }
    }

    /**
     * Opens the partial file {@code partialName} (see {@link TempNames#forPartial}) in the target's
     * directory, creating it if needed, keeping its first {@code keep} bytes (hashed into the
     * checksum) and dropping the rest. Whatever else stands under that name (a link, a fifo) is
     * removed first: the name is ours.
     */
    public TempFile openPartial(WireEntry e, String partialName, long keep, Checksum checksum) throws EntryFailure {
        Path target = target(e.path());
        requireParents(e.path());
        if (!TempNames.isPartialName(partialName)) {
            throw new IllegalArgumentException("not a partial file name: " + partialName);
        }
        Path partial = target.resolveSibling(partialName);
        DirectoryHandle dir = openParent(e.path(), target);
        TempFile t = null;
        try {
            BasicFileAttributes a = dir.attrsOrNull(partialName);
            if (a != null && !a.isRegularFile()) {
                if (a.isDirectory()) {
                    dir.closeQuietly();
                    throw new EntryFailure("a directory stands where the partial file must go: " + partial);
                }
                dir.delete(partialName, false);
            }
            FileChannel ch = dir.open(partialName, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
            t = new TempFile(dir, partialName, target.getFileName().toString(), ch, checksum, true);
            t.keepPrefix(keep);
            return t;
        } catch (IOException ex) {
            if (t != null) {
                t.discard();
            } else {
                dir.closeQuietly();
            }
            throw failure(ex, target);
        }
    }

    /**
     * Makes a completely received temp file the target: fsync (unless {@link TempFile#force()}
     * already did), mode, mtime, atomic rename. Returns
     * the entry as now on disk. On failure the temp file is gone.
     */
    public Entry commit(TempFile t, WireEntry e) throws EntryFailure {
        try {
            try {
                if (!t.forced()) {
                    t.channel.force(true);
                }
                if (t.finished()) {
                    t.close(); // finishContents gave it its mode and mtime
                } else if (!metadata.active() && NativeFiles.available()) {
                    NativeFiles.setModeAndMtime(t.channel, e.mode() & Stat.MODE_MASK, e.mtimeNanos());
                    t.close();
                } else {
                    t.close();
                    if (metadata.active()) {
                        metadata.apply(t.path, Stat.lstatOrNull(t.path, e.path()), e);
                    }
                    // By path: the JDK's directory-relative setTimes keeps only microseconds (SECURITY.md)
                    setMtime(t.path, e.mtimeNanos());
                    t.dir.setMode(t.path.getFileName().toString(), e.mode() & Stat.MODE_MASK);
                }
            } catch (IOException ex) {
                throw failure(ex, t.target);
            }
            requireParents(e.path());
            try {
                renameIntoPlace(t, e.path());
                t.markRenamed();
                touched(t.target);
                verifiedDirs.remove(e.path());
                return Stat.lstatOrNull(t.target, e.path());
            } catch (IOException ex) {
                throw failure(ex, t.target);
            }
        } finally {
            t.discard();
        }
    }

    /**
     * Renames the temp file over its target. Renamed first and asked after: a file or nothing
     * stands there almost always, and renameat replaces a file, so the lstat before every rename
     * (one failed lookup per new file) is made only when the rename fails; then an empty directory
     * in the way is removed and the rename tried once more.
     */
    private void renameIntoPlace(TempFile t, String rel) throws IOException, EntryFailure {
        String name = t.target.getFileName().toString();
        String tempName = t.path.getFileName().toString();
        try {
            t.dir.rename(tempName, t.dir, name);
        } catch (IOException refused) {
            BasicFileAttributes there = t.dir.attrsOrNull(name);
            if (there == null || !there.isDirectory()) {
                throw refused;
            }
            deleteEmptyDirectory(t.dir, name, t.target);
            directoryGone(rel);
            t.dir.rename(tempName, t.dir, name);
        }
    }

    /**
     * Makes {@code e.path()} a hard link to the file at {@code targetRel} (which the caller checked
     * is in place), replacing what is there atomically: the link is made under a temp name and
     * renamed over. Where the file system refuses the link (another device below the root, a
     * link-count limit, no hard links at all), the target is copied locally instead and given
     * {@code e}'s mode and mtime. Returns the entry now on disk.
     */
    public Entry link(WireEntry e, String targetRel) throws EntryFailure {
        Path target = target(e.path());
        Path existing = target(targetRel);
        requireParents(e.path());
        requireParents(targetRel);
        Path temp = target.resolveSibling(TempNames.forFinalName(target.getFileName().toString()));
        try {
            try {
                Files.createLink(temp, existing);
            } catch (IOException | UnsupportedOperationException refused) {
                if (refused instanceof IOException io && IoReasons.isDiskFull(io)) {
                    throw io;
                }
                deleteQuietly(temp);
                Files.copy(existing, temp, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(temp, "unix:mode", e.mode() & Stat.MODE_MASK, LinkOption.NOFOLLOW_LINKS);
                setMtime(temp, e.mtimeNanos());
                syncFile(temp);
            }
            makeRoomFor(target, Stat.lstatOrNull(target, e.path()));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            touched(target);
            verifiedDirs.remove(e.path());
            return Stat.lstatOrNull(target, e.path());
        } catch (IOException ex) {
            deleteQuietly(temp);
            throw failure(ex, target);
        }
    }

    /**
     * Sets the mode (and owner and extended attributes, when the sync carries them) of an existing
     * file that already has the right contents and mtime.
     */
    public Applied fixMetadata(WireEntry e) throws EntryFailure {
        Path target = target(e.path());
        requireParents(e.path());
        try {
            Entry now = Stat.lstatOrNull(target, e.path());
            if (now == null || now.type() != e.type()) {
                throw new EntryFailure("changed during sync: " + target);
            }
            boolean changed = metadata.active() && metadata.apply(target, now, e);
            if (!changed && now.mode() == (e.mode() & Stat.MODE_MASK)) {
                return new Applied(now, false);
            }
            Files.setAttribute(target, "unix:mode", e.mode() & Stat.MODE_MASK, LinkOption.NOFOLLOW_LINKS);
            return new Applied(Stat.lstatOrNull(target, e.path()), true);
        } catch (IOException ex) {
            throw failure(ex, target);
        }
    }

    /**
     * For a file whose bytes are known to equal the source's (bidirectional content hashes):
     * takes the source's mtime and metadata without a transfer.
     */
    public Applied retime(WireEntry e) throws EntryFailure {
        Path target = target(e.path());
        requireParents(e.path());
        try {
            setMtime(target, e.mtimeNanos());
        } catch (IOException ex) {
            throw failure(ex, target);
        }
        return new Applied(fixMetadata(e).entry(), true);
    }

    /**
     * Deletes {@code rel} if it is still what was synced. {@code reference} is the entry as
     * synced; {@code ownRecord} says it comes from this side's snapshot (then the inode must match
     * too) rather than from the source.
     */
    public DeleteResult delete(String rel, Entry reference, boolean ownRecord) throws EntryFailure {
        Path target = target(rel);
        if (!parentsAreDirectories(rel, false)) {
            return DeleteResult.GONE;
        }
        String name = target.getFileName().toString();
        // Where the file can be checked relative to its directory's handle (Stat.direct()), the
        // directories files are deleted from stay open like those files are received into: a walk
        // from the root per delete was a fifth of a mass delete's CPU (docs/PERFORMANCE.md, "Session
        // 11"). Else a fresh walk, so that the path checked and the directory deleted in agree.
        boolean relative = Stat.direct();
        DirectoryHandle dir;
        try {
            dir = parentHandle(rel, relative);
        } catch (NoSuchFileException gone) {
            return DeleteResult.GONE;
        } catch (EntryFailure refused) {
            if (!Files.exists(target.getParent(), LinkOption.NOFOLLOW_LINKS)) {
                return DeleteResult.GONE; // a parent vanished since it was verified: nothing left to delete
            }
            throw refused;
        } catch (IOException ex) {
            throw failure(ex, target);
        }
        try (dir) {
            // checked and deleted in the same open directory, whatever happens to its path meanwhile
            Entry now = relative ? dir.lstatOrNull(name, rel) : Stat.lstatOrNull(target, rel);
            if (now == null) {
                return DeleteResult.GONE;
            }
            if (!isAsSynced(now, reference, ownRecord)) {
                return DeleteResult.KEPT;
            }
            try {
                dir.delete(name, now.isDirectory());
            } catch (DirectoryNotEmptyException notEmpty) {
                return DeleteResult.LEFT;
            }
            touched(target);
            verifiedDirs.remove(rel);
            if (now.isDirectory()) {
                openDirs.forget();
            }
            return DeleteResult.DELETED;
        } catch (IOException ex) {
            throw failure(ex, target);
        }
    }

    /**
     * Renames {@code from} to {@code to} (with everything below a directory) if {@code from} is
     * still what was synced (as {@link #delete} checks it, and a directory's inode too when the
     * record is our own) and {@code to} is free or a file or
     * symlink that a file or symlink may replace, and, for a file, its contents hash to
     * {@code xxhash64}. Returns false, changing nothing, if not. {@code to}'s parents must be
     * real directories; {@code from}'s are checked too.
     */
    public boolean move(String from, String to, Entry reference, boolean ownRecord, long xxhash64) throws EntryFailure {
        return renameIf(from, to, (now, at) -> {
            // A directory recreated since the sync is not the one whose records would move with it.
            if (!isAsSynced(now, reference, ownRecord) || (now.isDirectory() && ownRecord && now.inode() != reference.inode())) {
                return false;
            }
            Entry there = at.destEntry();
            if (there != null && (there.isDirectory() || now.isDirectory())) {
                return false;
            }
            return !now.isFile() || at.sourceHash(now.size()) == xxhash64;
        }, false);
    }

    /**
     * Renames the file {@code from} to {@code to}, which must be free, whatever the file holds:
     * bidirectional sync carrying this side's edit along a rename the peer made. Returns false,
     * changing nothing, if {@code from} is not a file or {@code to} is taken.
     */
    public boolean carry(String from, String to) throws EntryFailure {
        return renameIf(from, to, (now, at) -> now.isFile() && at.destEntry() == null, true);
    }

    /** Whether the entry {@code now} at the source of a rename may be renamed to its destination. */
    @FunctionalInterface
    private interface RenameCheck {
        boolean allows(Entry now, RenameEnds at) throws IOException;
    }

    /**
     * Both ends of a rename: their directories, open, and what the check may look at, read in
     * those directories where {@link Stat#direct()} allows (else by path, the directories then
     * freshly opened), so that what is checked is what is renamed.
     */
    private record RenameEnds(String from, Path source, String to, Path dest, boolean relative, DirectoryHandle fromDir,
            DirectoryHandle toDir) implements AutoCloseable {

        Entry sourceEntry() throws IOException {
            return relative ? fromDir.lstatOrNull(source.getFileName().toString(), from) : Stat.lstatOrNull(source, from);
        }

        Entry destEntry() throws IOException {
            return relative ? toDir.lstatOrNull(dest.getFileName().toString(), to) : Stat.lstatOrNull(dest, to);
        }

        /** The xxh64 of the source file's contents ({@code size}, its expected length, sizes the buffer). */
        long sourceHash(long size) throws IOException {
            try (FileChannel ch = relative ? fromDir.openToRead(source.getFileName().toString())
                    : FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                return hash(ch, size);
            }
        }

        @Override
        public void close() {
            fromDir.closeQuietly();
            toDir.closeQuietly();
        }
    }

    /**
     * Renames {@code from} to {@code to} if it exists and {@code check} allows; false, changing
     * nothing, if not. With {@code noReplace} a file made at {@code to} after the check is not
     * replaced either, where the platform can tell ({@link NoReplaceRename}).
     *
     * <p>Where entries can be read relative to a directory handle, the two directories come from
     * {@link OpenDirectories} like those files are received into: two walks from the root per
     * move were over a quarter of a mass move's CPU (docs/PERFORMANCE.md, "Session 11").
     */
    private boolean renameIf(String from, String to, RenameCheck check, boolean noReplace) throws EntryFailure {
        Path source = target(from);
        Path dest = target(to);
        requireParents(to);
        if (!parentsAreDirectories(from, false)) {
            return false;
        }
        // NoReplaceRename walks the paths itself: its check must read what that walk finds, not a cached handle
        boolean relative = Stat.direct() && !noReplace;
        DirectoryHandle fromDir;
        try {
            fromDir = parentHandle(from, relative);
        } catch (NoSuchFileException | EntryFailure unusable) {
            // a parent gone, or no longer a real directory, since it was verified: no move from
            // there (the caller sends the file instead)
            return false;
        } catch (IOException ex) {
            throw failure(ex, source);
        }
        DirectoryHandle toDir;
        try {
            toDir = parentHandle(to, relative);
        } catch (IOException ex) {
            fromDir.closeQuietly();
            throw failure(ex, dest.getParent());
        } catch (EntryFailure | RuntimeException e) {
            fromDir.closeQuietly();
            throw e;
        }
        try (RenameEnds at = new RenameEnds(from, source, to, dest, relative, fromDir, toDir)) {
            Entry now = at.sourceEntry();
            if (now == null || !check.allows(now, at)) {
                return false;
            }
            NoReplaceRename.Result r = noReplace ? NoReplaceRename.rename(root, from, to) : NoReplaceRename.Result.UNSUPPORTED;
            if (r == NoReplaceRename.Result.TAKEN) {
                return false;
            }
            if (r != NoReplaceRename.Result.RENAMED) {
                fromDir.rename(source.getFileName().toString(), toDir, dest.getFileName().toString());
            }
            touched(source);
            touched(dest);
            if (now.isDirectory()) {
                // Cached verdicts and handles below the old name no longer hold.
                verifiedDirs.clear();
                openDirs.forget();
            }
            return true;
        } catch (IOException ex) {
            throw failure(ex, dest);
        }
    }

    private static long hash(FileChannel ch, long size) throws IOException {
        StreamingXXHash64 hash = HASHES.newStreamingHash64(0L);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(size, 1), 256 * 1024));
        while (ch.read(buf.clear()) > 0) {
            hash.update(buf.array(), 0, buf.position());
        }
        return hash.getValue();
    }

    /** True if {@code now} is the entry {@code reference} records (inode too if it is our own record). */
    public static boolean isAsSynced(Entry now, Entry reference, boolean ownRecord) {
        if (now.type() != reference.type()) {
            return false;
        }
        return switch (now.type()) {
            case FILE -> now.size() == reference.size() && mtimeMatches(reference.mtimeNanos(), now.mtimeNanos())
                    && (!ownRecord || now.inode() == reference.inode());
            case SYMLINK -> now.linkTarget().equals(reference.linkTarget());
            case DIRECTORY -> true;
        };
    }

    /** What {@link #delete} did. */
    public enum DeleteResult { DELETED, GONE, LEFT, KEPT }

    /**
     * The quick check's notion of equal mtimes: equal, or equal after the destination file system
     * truncated the source's nanoseconds to microseconds or seconds.
     */
    public static boolean mtimeMatches(long source, long dest) {
        return source == dest
                || dest == source - Math.floorMod(source, 1_000L)
                || dest == source - Math.floorMod(source, 1_000_000_000L);
    }

    /** Directories whose listing changed since the last call, for fsync before a snapshot commit. */
    public Set<Path> takeTouchedDirs() {
        Set<Path> out = new LinkedHashSet<>(touchedDirs);
        touchedDirs.clear();
        // bounds how long an open directory is trusted to still be the one at its path (OpenDirectories)
        openDirs.forget();
        return out;
    }

    /**
     * Closes the directories kept open for received files (each once its last temp file is
     * committed or discarded). The applier stays usable: it opens them again when needed.
     */
    public void close() {
        openDirs.forget();
    }

    /** The directory {@code rel} was removed or replaced by this applier: nothing cached about it holds. */
    private void directoryGone(String rel) {
        verifiedDirs.remove(rel);
        openDirs.forget();
    }

    /** fsyncs a regular file's bytes and attributes, e.g. a copy before it is given its name. */
    public static void syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** fsyncs a directory so that renames and deletes in it survive a crash. */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems refuse fsync on directories; durability is best effort there.
        }
    }

    private void touched(Path p) {
        touchedDirs.add(p.getParent());
    }

    /** Opens the directory holding {@code rel} (whose path is {@code target}) through handles. */
    /**
     * The directory holding {@code rel}: with {@code relative} (entries are then read relative to
     * it) one kept open by {@link OpenDirectories}, else freshly walked down from the root.
     */
    private DirectoryHandle parentHandle(String rel, boolean relative) throws IOException, EntryFailure {
        return relative ? openDirs.parentOf(rel) : DirectoryHandle.openParent(root, rel);
    }

    private DirectoryHandle openParent(String rel, Path target) throws EntryFailure {
        try {
            return DirectoryHandle.openParent(root, rel);
        } catch (IOException ex) {
            throw failure(ex, target.getParent());
        }
    }

    private static void deleteEmptyDirectory(DirectoryHandle dir, String name, Path target) throws IOException, EntryFailure {
        try {
            dir.delete(name, true);
        } catch (DirectoryNotEmptyException e) {
            throw new EntryFailure("cannot replace non-empty directory " + target);
        }
    }

    /** Removes what stands where a file or symlink must go: an empty directory. */
    private void makeRoomFor(Path target, Entry now) throws IOException, EntryFailure {
        if (now != null && now.isDirectory()) {
            try {
                Files.delete(target);
            } catch (DirectoryNotEmptyException e) {
                throw new EntryFailure("cannot replace non-empty directory " + target);
            }
            directoryGone(now.path());
        }
    }

    /**
     * Fails unless every parent of {@code rel} below the root is a real directory (never a
     * symlink), checked with lstat.
     */
    public void requireParents(String rel) throws EntryFailure {
        parentsAreDirectories(rel, true);
    }

    /**
     * Checks with lstat that every parent of {@code rel} below the root is a real directory.
     * Missing: false, or an EntryFailure if {@code require}. A symlink or a non-directory is
     * always an EntryFailure when required; otherwise false.
     */
    private boolean parentsAreDirectories(String rel, boolean require) throws EntryFailure {
        int slash = rel.indexOf('/');
        while (slash >= 0) {
            String parent = rel.substring(0, slash);
            if (!verifiedDirs.contains(parent)) {
                Path p = root.resolve(parent);
                BasicFileAttributes a;
                try {
                    a = attrsOrNull(p);
                } catch (IOException e) {
                    throw failure(e, p);
                }
                if (a == null || !a.isDirectory()) {
                    if (!require) {
                        return false;
                    }
                    if (a == null) {
                        throw new EntryFailure("parent directory missing: " + p);
                    }
                    if (a.isSymbolicLink()) {
                        throw new EntryFailure("path escapes the root: parent " + parent + " of " + rel + " is a symlink");
                    }
                    throw new EntryFailure("parent is not a directory: " + p);
                }
                verifiedDirs.add(parent);
            }
            slash = rel.indexOf('/', slash + 1);
        }
        return true;
    }

    private static BasicFileAttributes attrsOrNull(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void setMtime(Path p, long nanos) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(nanos, TimeUnit.NANOSECONDS), null, null);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort cleanup after a failure that is reported anyway
        }
    }

    /** A full disk ends the sync; anything else fails just this entry. */
    private static EntryFailure failure(IOException e, Path where) {
        if (IoReasons.isDiskFull(e)) {
            throw new FarsyncException(ExitCode.DISK_FULL, "no space left on device writing " + where, e);
        }
        if (e instanceof AccessDeniedException) {
            return new EntryFailure("permission denied: " + where, e);
        }
        if (e instanceof FileAlreadyExistsException) {
            return new EntryFailure("appeared during sync: " + where, e);
        }
        return new EntryFailure(IoReasons.reason(e) + ": " + where, e);
    }
}
