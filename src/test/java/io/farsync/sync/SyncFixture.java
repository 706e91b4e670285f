package io.farsync.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The setting most one-way engine tests share: in a fresh temp directory, a source tree, a
 * destination path and a {@link SyncRun} between them (both endpoints in-process, over pipes),
 * and two distinct nanosecond mtimes. Subclasses' own {@code @BeforeEach} methods run after
 * {@link #createTrees()}.
 */
abstract class SyncFixture {

    static final long T1 = 1_600_000_000_123_456_789L;
    static final long T2 = 1_650_000_000_987_654_321L;

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    SyncRun sync;

    @BeforeEach
    void createTrees() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        sync = new SyncRun(src, dst, tmp.resolve("db"));
    }
}
