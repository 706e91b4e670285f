package io.farsync.sync.watch;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeTreeWatcherTest {
    /** Generous: inotify events and the watcher thread are slow on a busy machine. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    final RecordingListener listener = new RecordingListener();
    final List<TreeWatcher> watchers = new ArrayList<>();

    @AfterEach
    void closeWatchers() {
        watchers.forEach(TreeWatcher::close);
    }

    private TreeWatcher startNative(Path root) throws IOException {
        TreeWatcher w = Watchers.create(root, WatchMode.NATIVE, Set.of(root.resolve("excluded")), listener);
        watchers.add(w);
        w.start();
        return w;
    }

    @Test
    void createModifyDelete_inNestedDirectories_areReported() throws Exception {
        Path deep = Files.createDirectories(tmp.resolve("a/b/c"));
        Files.writeString(deep.resolve("old.txt"), "old");
        startNative(tmp);

        Files.writeString(deep.resolve("new.txt"), "new");
        Files.writeString(deep.resolve("old.txt"), "modified");
        Files.delete(tmp.resolve("a/b/c/old.txt"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed)
                .contains(deep.resolve("new.txt"), deep.resolve("old.txt")));
    }

    @Test
    void directoryFilledRightAfterCreation_isFullySeen_andWatched() throws Exception {
        startNative(tmp);

        // no pause between mkdir and the writes: the watcher registers the directory while
        // (or after) they happen, and must list what it could not get events for
        List<Path> expected = new ArrayList<>();
        for (int d = 0; d < 20; d++) {
            Path dir = Files.createDirectories(tmp.resolve("burst/d" + d + "/inner"));
            for (int f = 0; f < 10; f++) {
                expected.add(Files.writeString(dir.resolve("f" + f), "x"));
            }
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).containsAll(expected));

        // and every new directory is watched from now on
        Path later = Files.writeString(tmp.resolve("burst/d19/inner/later"), "y");
        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(later));
    }

    @Test
    void renamedDirectory_reportsChangesUnderItsNewName() throws Exception {
        Files.createDirectories(tmp.resolve("old/sub"));
        startNative(tmp);

        Files.move(tmp.resolve("old"), tmp.resolve("new"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(tmp.resolve("old"), tmp.resolve("new")));
        Path inside = Files.writeString(tmp.resolve("new/sub/file"), "z");

        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(inside));
        assertThat(listener.changed).doesNotContain(tmp.resolve("old/sub/file"));
    }

    /**
     * inotify watches inodes and the JDK's keys keep the path they were registered with: after a
     * directory (or one above it) is renamed, a change to a file already inside must still be
     * reported under its current name, never the old one.
     */
    @Test
    void renamedDirectories_changesToFilesAlreadyInsideArriveUnderTheNewName() throws Exception {
        Files.createDirectories(tmp.resolve("a/old/sub"));
        Files.createDirectories(tmp.resolve("b"));
        Files.writeString(tmp.resolve("a/old/sub/file"), "x");
        startNative(tmp);

        // across parents, then the new parent itself renamed: the watch keys below both must follow
        Files.move(tmp.resolve("a/old"), tmp.resolve("b/new"));
        awaitListed(tmp.resolve("b/new/sub/file"));
        Files.move(tmp.resolve("b"), tmp.resolve("c"));
        Path file = tmp.resolve("c/new/sub/file");
        awaitListed(file);

        listener.changed.clear();
        Files.writeString(file, "appended", StandardOpenOption.APPEND);
        Files.writeString(tmp.resolve("c/new/added"), "y");

        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(file, tmp.resolve("c/new/added")));
        assertThat(listener.changed).as("nothing under an old name").allMatch(p -> p.startsWith(tmp.resolve("c")));
    }

    /** Waits until {@code path} was reported: the watcher has then registered (and listed) the directory it arrived in. */
    private void awaitListed(Path path) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(path));
    }

    @Test
    void excludedPaths_areNotReported() throws Exception {
        Files.createDirectories(tmp.resolve("excluded"));
        startNative(tmp);

        Files.writeString(tmp.resolve("excluded/state.db"), "x");
        Path marker = Files.writeString(tmp.resolve("marker"), "m");

        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(marker));
        assertThat(listener.changed).noneMatch(p -> p.startsWith(tmp.resolve("excluded")));
    }

    @Test
    void overflow_reportsOneRescan_andRegistersDirectoriesWhoseEventsWereLost() throws Exception {
        Files.createDirectories(tmp.resolve("a"));
        FakeWatchService fake = new FakeWatchService();
        NativeTreeWatcher w = new NativeTreeWatcher(tmp, p -> false, fake, fake.registrar(), listener,
                Watchers.daemon("test-watcher"), e -> { });
        watchers.add(w);
        w.start();
        assertThat(fake.keys).containsOnlyKeys(tmp, tmp.resolve("a"));

        Files.createDirectories(tmp.resolve("a/lost/deeper")); // its CREATE event is "lost"
        fake.hold(); // both overflows reach the watcher in one burst, or it may see them one by one
        fake.signal(tmp, OVERFLOW, null);
        fake.signal(tmp.resolve("a"), OVERFLOW, null);
        fake.release();

        await().atMost(WAIT).untilAsserted(() -> assertThat(fake.keys).containsKey(tmp.resolve("a/lost/deeper")));
        assertThat(listener.rescans).containsExactly(tmp);
    }

    @Test
    void createdDirectory_isRegisteredBeforeItIsListed() throws Exception {
        FakeWatchService fake = new FakeWatchService();
        List<Path> order = new ArrayList<>();
        NativeTreeWatcher.Registrar recording = dir -> {
            synchronized (order) {
                order.add(dir);
            }
            // a file appearing right after the registration must be reported by the listing or an event
            if (dir.endsWith("fresh")) {
                Files.writeString(dir.resolve("raced-in"), "r");
            }
            return fake.registrar().register(dir);
        };
        NativeTreeWatcher w = new NativeTreeWatcher(tmp, p -> false, fake, recording, listener,
                Watchers.daemon("test-watcher"), e -> { });
        watchers.add(w);
        w.start();

        Files.createDirectories(tmp.resolve("fresh"));
        fake.signal(tmp, ENTRY_CREATE, Path.of("fresh"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(tmp.resolve("fresh/raced-in")));
    }

    @Test
    void watchLimitAtStart_warnsNamingTheSysctl_andFallsBackToPolling() throws Exception {
        Files.createDirectories(tmp.resolve("a/b"));
        TreeWatcher w = limitedWatcher(1);
        w.start();

        assertThat(listener.warnings).singleElement().asString()
                .contains("fs.inotify.max_user_watches").contains("polling");
        assertThat(w.describe()).startsWith("polling");
        Path created = Files.writeString(tmp.resolve("a/b/file"), "x");
        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(created.getParent()));
    }

    @Test
    void watchLimitForANewDirectory_fallsBackAndRescansEverything() throws Exception {
        TreeWatcher w = limitedWatcher(1);
        w.start();
        assertThat(listener.warnings).isEmpty();

        Files.createDirectories(tmp.resolve("one-too-many"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.rescans).contains(tmp));
        assertThat(listener.warnings).singleElement().asString().contains("fs.inotify.max_user_watches");
        Path created = Files.writeString(tmp.resolve("one-too-many/file"), "x");
        await().atMost(WAIT).untilAsserted(() -> assertThat(listener.changed).contains(tmp.resolve("one-too-many")));
        assertThat(created).exists();
    }

    /** Native watching on the real WatchService whose registrations fail after {@code limit} directories. */
    private TreeWatcher limitedWatcher(int limit) throws IOException {
        WatchService service = tmp.getFileSystem().newWatchService();
        NativeTreeWatcher.Registrar real = NativeTreeWatcher.registrarFor(service);
        AtomicInteger count = new AtomicInteger();
        NativeTreeWatcher.Registrar limited = dir -> {
            if (count.incrementAndGet() > limit) {
                throw new IOException("User limit of inotify watches reached");
            }
            return real.register(dir);
        };
        TreeWatcher w = new FallbackTreeWatcher(tmp, listener,
                onFailure -> new NativeTreeWatcher(tmp, p -> false, service, limited, listener, Watchers.daemon("test-watcher"), onFailure),
                () -> new PollingTreeWatcher(tmp, p -> false, listener, Duration.ofMillis(20), System::nanoTime, Watchers.daemon("test-poller")));
        watchers.add(w);
        return w;
    }
}
