package io.farsync.common;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files only their owner may read: the snapshot, history and console databases hold paths, API
 * tokens and password hashes. SQLite gives a database's -wal and -shm files the database file's
 * own permissions, so making the main file owner-only before SQLite opens it covers all three.
 */
public final class PrivateFiles {

    private PrivateFiles() {
    }

    /** Creates {@code file} (and its parent directories) as mode 0600, or tightens an existing one to 0600. */
    public static void ensureOwnerOnly(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own access rules apply
        }
    }
}
