package io.farsync.sync;

import io.farsync.sync.apply.Applier;
import io.farsync.sync.apply.EntryFailure;
import io.farsync.sync.apply.NoReplaceRename;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.TempNames;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
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
 *
 * <p>The copy is the only place the losing version survives once the winner replaces the name,
 * so it is made durable (its bytes fsynced before it is published, its directory after) before
 * {@link #keep} returns: else a power loss could leave an empty copy carrying the loser's mtime,
 * which the next scan would send everywhere. And it is published only if the original did not
 * change while it was copied ({@link FileLook}): a copy labelled as {@code version} must hold it.
 */
final class ConflictCopies {
    private static final Logger log = LoggerFactory.getLogger(ConflictCopies.class);
    private static final int ATTEMPTS = 100;

    /** How a copy is made durable; a seam so that tests can see (and disturb) the steps. */
    interface Durability {
        /** Makes {@code file}'s bytes and attributes durable (fsync). */
        void force(Path file) throws IOException;

        /** Makes the names in {@code dir} durable (fsync of the directory; best effort). */
        void syncDirectory(Path dir);

        Durability FSYNC = new Durability() {
            @Override
            public void force(Path file) throws IOException {
                Applier.syncFile(file);
            }

            @Override
            public void syncDirectory(Path dir) {
                Applier.syncDirectory(dir);
            }
        };
    }

    private ConflictCopies() {
    }

    /**
     * Keeps {@code version}, what {@code root} holds at {@code path}, under a free conflict-copy
     * name for {@code host} (or the name that already holds this very version); {@code winner}
     * is the entry that will take the name. Returns the copy's name, or null if it could not be
     * made (the version then stays where it is, and is logged), or if the file there is no longer
     * {@code version} or changed while it was copied: another session replaced it since the caller
     * looked, or it was written in place, and a copy of that file under {@code version}'s name
     * would keep the wrong version (the winner, seen in a mesh, beside the loser's true copy).
     */
    static String keep(Path root, String path, Entry version, Entry winner, String host) {
        return keep(root, path, version, winner, host, Durability.FSYNC);
    }

    static String keep(Path root, String path, Entry version, Entry winner, String host, Durability durability) {
        boolean copy = version.isFile() && winner != null && winner.isFile();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            String name = ConflictNames.copyOf(path, host, version.mtimeNanos(), attempt);
            Path target = root.resolve(name);
            try {
                Copied result = copy ? copyOrReuse(root, path, version, name, durability) : move(root, path, name);
                switch (result) {
                    case MADE:
                        durability.syncDirectory(target.getParent());
                        return name;
                    case CHANGED:
                        log.info("not keeping {} aside: it changed since it was compared (another session's delivery, or written in place)",
                                path);
                        return null;
                    default:
                        // try the next suffix
                }
            } catch (IOException | EntryFailure ex) {
                log.warn("cannot keep {} aside as {}: {}", path, name, ex.toString());
                return null;
            }
        }
        return null;
    }

    private enum Copied { MADE, TAKEN, CHANGED }

    private static Copied move(Path root, String path, String name) throws IOException, EntryFailure {
        return renameNoReplace(root, path, name) ? Copied.MADE : Copied.TAKEN;
    }

    /**
     * Copies {@code path} to {@code name}, or reuses {@code name} if it already holds this version
     * (another session on this root, or this session's first pass, kept it there).
     */
    private static Copied copyOrReuse(Path root, String path, Entry version, String name, Durability durability)
            throws IOException, EntryFailure {
        Path original = root.resolve(path);
        Path target = root.resolve(name);
        FileLook before = FileLook.of(original);
        if (before == null || !before.is(version)) {
            return Copied.CHANGED;
        }
        if (holds(target, version, original)) {
            durability.force(target); // whoever made it may not have synced it yet
            return Copied.MADE;
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return Copied.TAKEN;
        }
        String tempName = TempNames.forFinalName(target.getFileName().toString());
        Path temp = target.resolveSibling(tempName);
        try {
            Files.copy(original, temp, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            // COPY_ATTRIBUTES stamps the mtime read before the bytes: set the one the before-look
            // vouches for, and publish only if the original still looks the same afterwards.
            Files.getFileAttributeView(temp, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(before.mtime(), null, null);
            durability.force(temp);
            if (!before.equals(FileLook.of(original)) || Files.size(temp) != before.size()) {
                return Copied.CHANGED;
            }
            Copied published = publish(root, sibling(name, tempName), name, temp, target);
            // Another session may have kept the same version under this name meanwhile: that copy will do.
            return published == Copied.TAKEN && holds(target, version, original) ? Copied.MADE : published;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Gives the complete copy {@code temp} its name without ever replacing a file there. */
    private static Copied publish(Path root, String tempRel, String name, Path temp, Path target) throws IOException, EntryFailure {
        NoReplaceRename.Result r = NoReplaceRename.rename(root, tempRel, name);
        if (r != NoReplaceRename.Result.UNSUPPORTED) {
            return r == NoReplaceRename.Result.RENAMED ? Copied.MADE : Copied.TAKEN;
        }
        try {
            Files.createLink(target, temp); // a hard link never replaces either
            return Copied.MADE;
        } catch (FileAlreadyExistsException taken) {
            return Copied.TAKEN;
        } catch (AccessDeniedException | NoSuchFileException failed) {
            throw failed;
        } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
            // neither renameat2 nor hard links here: a move that checks first is the last resort
            return moveIfFree(temp, target) ? Copied.MADE : Copied.TAKEN;
        }
    }

    /** Renames {@code from} to {@code to} (below {@code root}) unless {@code to} exists; false if it does. */
    private static boolean renameNoReplace(Path root, String from, String to) throws IOException, EntryFailure {
        NoReplaceRename.Result r = NoReplaceRename.rename(root, from, to);
        if (r != NoReplaceRename.Result.UNSUPPORTED) {
            return r == NoReplaceRename.Result.RENAMED;
        }
        return moveIfFree(root.resolve(from), root.resolve(to));
    }

    private static boolean moveIfFree(Path from, Path to) throws IOException {
        try {
            Files.move(from, to);
            return true;
        } catch (FileAlreadyExistsException taken) {
            return false;
        }
    }

    private static String sibling(String rel, String fileName) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? fileName : rel.substring(0, slash + 1) + fileName;
    }

    /**
     * True if {@code copy} is a regular file of {@code version}'s size and mtime that holds the
     * bytes of {@code original} (which the caller checked is {@code version}).
     */
    private static boolean holds(Path copy, Entry version, Path original) throws IOException {
        FileLook look = FileLook.of(copy);
        return look != null && look.describes(version) && Files.mismatch(original, copy) == -1;
    }
}
