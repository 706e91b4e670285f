package io.farsync.sync;

import io.farsync.sync.apply.Applier;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.TempNames;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the losing version of a conflict under its conflict-copy name ({@link ConflictNames}).
 *
 * <p>A file that loses to a file is <em>copied</em> aside, not moved: it stays under its name
 * until the winner's atomic rename replaces it, so the name is never empty. Moving it left the
 * name empty from the conflict's decision until the winner arrived (a whole pass, or a transfer):
 * a user saw the file missing, and in an n-way mesh another session on the same root scanned the
 * gap as a delete made here and sent it on, so peers deleted their copy of the file and got it
 * back a round later (the churn a continuous mesh showed after each conflict). A copy of a
 * version that is already kept under its name is not made again: the first pass's source keeps
 * its losing version aside, and its second, receiving pass then meets the same version again.
 * Anything else (a directory winning over a file or symlink) still moves the loser aside, since
 * the winner cannot be created beside it.
 */
final class ConflictCopies {
    private static final Logger log = LoggerFactory.getLogger(ConflictCopies.class);
    private static final int ATTEMPTS = 100;

    private ConflictCopies() {
    }

    /**
     * Keeps {@code version}, what {@code root} holds at {@code path}, under a free conflict-copy
     * name for {@code host} (or the name that already holds this very version); {@code winner}
     * is the entry that will take the name. Returns the copy's name, or null if it could not be
     * made (the version then stays where it is, and is logged), or if the file there is no longer
     * {@code version}: another session replaced it since the caller looked, and a copy of that
     * file under {@code version}'s name would keep the wrong version (the winner, seen in a mesh,
     * beside the loser's true copy).
     */
    static String keep(Path root, String path, Entry version, Entry winner, String host) {
        boolean copy = version.isFile() && winner != null && winner.isFile();
        Path original = root.resolve(path);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            String name = ConflictNames.copyOf(path, host, version.mtimeNanos(), attempt);
            Path target = root.resolve(name);
            try {
                if (!copy) {
                    Files.move(original, target);
                    return name;
                }
                if (holds(target, version, original)) {
                    return name;
                }
                switch (copyNoReplace(original, version, target)) {
                    case MADE:
                        return name;
                    case CHANGED:
                        log.info("not keeping {} aside: it changed since it was compared (another session's delivery?)", path);
                        return null;
                    default:
                        // Another session on this root may have kept the same version under this
                        // name between the look and the copy: that copy will do. Else the next suffix.
                        if (holds(target, version, original)) {
                            return name;
                        }
                }
            } catch (FileAlreadyExistsException taken) {
                // try the next suffix
            } catch (IOException ex) {
                log.warn("cannot keep {} aside as {}: {}", path, name, ex.toString());
                return null;
            }
        }
        return null;
    }

    private enum Copied { MADE, TAKEN, CHANGED }

    /**
     * Copies {@code source} (bytes, mode, mtime) to {@code target} under a temp name first, checks
     * that what was copied is {@code version}, then publishes it without replacing anything: a
     * failure leaves no partial copy under the name.
     */
    private static Copied copyNoReplace(Path source, Entry version, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return Copied.TAKEN;
        }
        Path temp = target.resolveSibling(TempNames.forFinalName(target.getFileName().toString()));
        try {
            Files.copy(source, temp, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            if (!describes(Files.readAttributes(temp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS), version)) {
                return Copied.CHANGED;
            }
            try {
                Files.createLink(target, temp); // a hard link never replaces
            } catch (FileAlreadyExistsException taken) {
                return Copied.TAKEN;
            } catch (UnsupportedOperationException | FileSystemException e) {
                Files.move(temp, target); // no hard links here: a move that checks first is the next best
            }
            return Copied.MADE;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** True if {@code copy} is a regular file that is {@code version} and holds the bytes of {@code original}. */
    private static boolean holds(Path copy, Entry version, Path original) throws IOException {
        try {
            return describes(Files.readAttributes(copy, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS), version)
                    && Files.mismatch(original, copy) == -1;
        } catch (java.nio.file.NoSuchFileException absent) {
            return false;
        }
    }

    /** True if {@code a} is a regular file of {@code version}'s size and mtime (within what a copy keeps). */
    private static boolean describes(BasicFileAttributes a, Entry version) {
        long mtime = a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        return a.isRegularFile() && a.size() == version.size()
                && (Applier.mtimeMatches(version.mtimeNanos(), mtime) || Applier.mtimeMatches(mtime, version.mtimeNanos()));
    }
}
