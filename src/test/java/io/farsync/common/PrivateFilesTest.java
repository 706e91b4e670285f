package io.farsync.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTest {
    @TempDir
    Path tmp;

    @Test
    void ensureOwnerOnly_createsNewFileAs0600_andTightensAnExistingOne() throws Exception {
        Path fresh = tmp.resolve("a/b/new.db");
        Path old = Files.writeString(tmp.resolve("old.db"), "x");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));

        PrivateFiles.ensureOwnerOnly(fresh);
        PrivateFiles.ensureOwnerOnly(old);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(old))).isEqualTo("rw-------");
        assertThat(Files.readString(old)).isEqualTo("x");
    }

    @Test
    void snapshotDatabase_andItsWal_areOwnerOnly() throws Exception {
        Path db = tmp.resolve("snapshots/s.db");
        try (SnapshotStore store = SnapshotStore.open(db)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
            Path wal = db.resolveSibling("s.db-wal");
            if (Files.exists(wal)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(wal))).isEqualTo("rw-------");
            }
        }
    }
}
