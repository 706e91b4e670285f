package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Symlinks;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A SRC that is a file, as {@code rsync FILE DIR/} takes it: its directory is the sync's root and
 * {@link Filter#onlyEntry} picks it, so nothing else there is sent or deleted. The one set of
 * rules for the client's local SRC and the server's for a pull.
 */
public final class SingleFileSource {

    private SingleFileSource() {
    }

    /**
     * The options that sync {@code file} alone from its directory; throws {@code USAGE} for what a
     * single-file SRC cannot be. {@code name}: the path as the user wrote it, for the messages;
     * {@code where}: "" or where it is (" on the server").
     */
    public static SyncOptions options(Path file, String name, String where, SyncOptions requested) {
        String shown = name.replace("\n", "\\n");
        if (!requested.filter().isEmpty()) {
            throw new FarsyncException(ExitCode.USAGE, "--include, --exclude and --exclude-from do not apply to a single-file SRC ("
                    + shown + " is a file" + where + ")");
        }
        boolean link = Files.isSymbolicLink(file);
        if (link && requested.symlinks() == Symlinks.SKIP) {
            throw new FarsyncException(ExitCode.USAGE, "SRC " + shown + " is a symlink" + where
                    + ", which --symlinks skip leaves out: nothing to sync");
        }
        if (!link && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new FarsyncException(ExitCode.USAGE, "SRC " + shown + " is a special file" + where
                    + " (FIFO, socket or device): farsync syncs regular files, directories and symlinks");
        }
        String entry = file.getFileName().toString();
        if (entry.indexOf('\n') >= 0) {
            // no filter rule can hold it
            throw new FarsyncException(ExitCode.USAGE, "SRC " + shown + " has a newline in its name, which a single-file SRC"
                    + " cannot have: sync its directory with --include and --exclude instead");
        }
        return requested.withFilter(Filter.onlyEntry(entry));
    }
}
