package io.farsync.sync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives {@link PollingTreeWatcher#pollOnce()} by hand: no timing involved. */
class PollingTreeWatcherTest {
    @TempDir
    Path tmp;
    final RecordingListener listener = new RecordingListener();
    PollingTreeWatcher watcher;

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(tmp.resolve("a/b"));
        Files.writeString(tmp.resolve("a/b/file"), "one");
        Files.createDirectories(tmp.resolve("skip"));
        watcher = new PollingTreeWatcher(tmp, p -> p.startsWith(tmp.resolve("skip")), listener, Duration.ofHours(1),
                System::nanoTime, Watchers.daemon("test-poller"));
        watcher.start();
    }

    @AfterEach
    void close() {
        watcher.close();
    }

    @Test
    void unchangedTree_reportsNothing() {
        watcher.pollOnce();

        assertThat(listener.changed).isEmpty();
    }

    @Test
    void createModifyChmodDelete_reportTheChangedDirectories() throws Exception {
        Files.writeString(tmp.resolve("a/b/file"), "longer contents");
        watcher.pollOnce();
        assertThat(listener.changed).containsExactly(tmp.resolve("a/b"));

        listener.changed.clear();
        Files.setPosixFilePermissions(tmp.resolve("a/b/file"), PosixFilePermissions.fromString("rwx------"));
        watcher.pollOnce();
        assertThat(listener.changed).containsExactly(tmp.resolve("a/b"));

        listener.changed.clear();
        Files.createDirectories(tmp.resolve("a/new"));
        watcher.pollOnce();
        assertThat(listener.changed).contains(tmp.resolve("a"), tmp.resolve("a/new")); // and the root: a's mtime changed

        listener.changed.clear();
        Files.delete(tmp.resolve("a/b/file"));
        Files.delete(tmp.resolve("a/b"));
        watcher.pollOnce();
        assertThat(listener.changed).contains(tmp.resolve("a"), tmp.resolve("a/b"));
    }

    @Test
    void excludedSubtree_isIgnored() throws Exception {
        Files.writeString(tmp.resolve("skip/state.db"), "x");

        watcher.pollOnce();

        assertThat(listener.changed).isEmpty();
    }
}
