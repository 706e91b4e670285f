package io.farsync.sync.scan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The directory {@value #NAME} at the top of a root that bidirectional and n-way sync use as a
 * replica: it holds the root's version vectors ({@code versions.db}) and the lock its receiving
 * sessions take turns on. It lives in the root, not in a process's state directory, because a
 * root is one replica whichever process syncs it: on a mesh node the node's server (a peer's job
 * syncing with it) and the node's own job both sync the same root, with different state
 * directories (a server's {@code --state-dir}, a client's farsync home). With a store per state
 * directory each took the other's deliveries for local writes, so versions that had seen each
 * other looked concurrent (false conflicts, whose copies then cascaded). Resilio Sync's
 * {@code .sync} and Syncthing's {@code .stfolder} sit in the synced folder for the same reason.
 *
 * <p>The name is reserved at every depth (a nested root's replica directory lies inside an outer
 * root): the scanner never lists it, a watcher never reports it, and a path from a peer naming it
 * is refused ({@code PathJail}), so it never travels and a peer can never write into it.
 */
public final class ReplicaDir {
    /** The reserved name. */
    public static final String NAME = ".farsync-replica";

    private ReplicaDir() {
    }

    /**
     * True for the reserved file name in any letter case: on a case-insensitive file system (macOS
     * APFS by default, Windows) {@code .FARSYNC-REPLICA} is the same directory, so an exact
     * comparison would let a peer's {@code .FARSYNC-REPLICA/versions.db} land in the store. The
     * name is ASCII, so Unicode normalisation is moot (NFC/NFD leave ASCII alone); case folding is
     * what matters. {@link String#equalsIgnoreCase} also matches the few non-ASCII letters whose
     * case maps onto these ASCII ones (long s for s, dotless and dotted capital I for i), which a
     * Unicode-folding file system may take for the same name: refusing them too errs on the safe side.
     */
    public static boolean isReserved(String fileName) {
        return NAME.equalsIgnoreCase(fileName);
    }

    /** {@code root}'s replica directory (not created). */
    public static Path of(Path root) {
        return root.toAbsolutePath().normalize().resolve(NAME);
    }

    /**
     * Creates {@code root}'s replica directory if needed and returns it; throws if something else
     * (a file, a symlink) has the name: the store must not be written through a link.
     */
    public static Path create(Path root) throws IOException {
        Path dir = of(root);
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return dir;
        }
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // Another sync of the same root (an n-way hub's spokes run at once) may have made it
            // between the check and the create: only something that is not a directory is an error.
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " exists and is not a directory (farsync keeps the root's version vectors there)");
            }
        }
        return dir;
    }
}
