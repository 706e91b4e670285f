package io.farsync.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteFilesTest {

    @TempDir
    Path tmp;

    /** Without SQLite's own lock (NOMUTEX) the owner's lock is what serialises threads: nothing is lost. */
    @Test
    void openForOneOwner_givesAnOwnerOnlyWalDatabase_thatThreadsShareUnderTheOwnersLock() throws Exception {
        Path file = tmp.resolve("dir/one-owner.db");
        Object lock = new Object();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (Connection db = SqliteFiles.openForOneOwner(file)) {
            try (Statement st = db.createStatement()) {
                st.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            }
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t * 500;
                done.add(threads.submit(() -> {
                    for (int k = first; k < first + 500; k++) {
                        synchronized (lock) {
                            try (PreparedStatement ins = db.prepareStatement("INSERT INTO t (k, v) VALUES (?, ?)")) {
                                ins.setInt(1, k);
                                ins.setString(2, "value " + k);
                                ins.executeUpdate();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            try (Statement st = db.createStatement();
                    ResultSet count = st.executeQuery("SELECT count(*), sum(k), min(v = 'value ' || k) FROM t")) {
                assertThat(count.next()).isTrue();
                assertThat(count.getInt(1)).isEqualTo(2000);
                assertThat(count.getLong(2)).isEqualTo(1999L * 2000 / 2);
                assertThat(count.getInt(3)).isEqualTo(1);
            }
            try (Statement st = db.createStatement(); ResultSet mode = st.executeQuery("PRAGMA journal_mode")) {
                mode.next();
                assertThat(mode.getString(1)).isEqualTo("wal");
            }
        } finally {
            threads.shutdownNow();
            assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
}
