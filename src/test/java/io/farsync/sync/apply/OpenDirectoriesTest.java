package io.farsync.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenDirectoriesTest {

    @TempDir
    Path root;

    private final AtomicLong now = new AtomicLong();

    private static void create(DirectoryHandle dir, String name) throws Exception {
        dir.open(name, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), Set.of()).close();
    }

    @Test
    void filesOfOneDirectory_shareOneHandle_untilItIsTooOld() throws Exception {
        Files.createDirectories(root.resolve("d"));
        OpenDirectories dirs = new OpenDirectories(root, now::get);
        try (DirectoryHandle a = dirs.parentOf("d/a"); DirectoryHandle b = dirs.parentOf("d/b")) {
            assertThat(b).isSameAs(a);
        }

        now.addAndGet(OpenDirectories.MAX_AGE_NANOS + 1);
        try (DirectoryHandle c = dirs.parentOf("d/c")) {
            assertThat(c.path()).isEqualTo(root.resolve("d"));
            try (DirectoryHandle d = dirs.parentOf("d/d")) {
                assertThat(d).isSameAs(c);
            }
        } finally {
            dirs.forget();
        }
    }

    @Test
    void aDirectoryMovedBySomeoneElse_getsNoFileThroughAnOldHandle() throws Exception {
        Files.createDirectories(root.resolve("d"));
        OpenDirectories dirs = new OpenDirectories(root, now::get);
        try (DirectoryHandle before = dirs.parentOf("d/a")) {
            create(before, "a");
        }
        Files.move(root.resolve("d"), root.resolve("moved"));
        Files.createDirectories(root.resolve("d"));

        now.addAndGet(OpenDirectories.MAX_AGE_NANOS + 1);
        try (DirectoryHandle after = dirs.parentOf("d/b")) {
            create(after, "b");
        } finally {
            dirs.forget();
        }

        assertThat(root.resolve("moved/a")).exists();
        assertThat(root.resolve("d/b")).exists();
        assertThat(root.resolve("moved/b")).doesNotExist();
    }

    @Test
    void aDroppedHandle_staysOpenForItsLastUser() throws Exception {
        Files.createDirectories(root.resolve("d"));
        OpenDirectories dirs = new OpenDirectories(root, now::get);
        DirectoryHandle held = dirs.parentOf("d/a");
        dirs.forget();

        create(held, "a");
        held.close();
        held.close();

        assertThat(root.resolve("d/a")).exists();
        try (DirectoryHandle fresh = dirs.parentOf("d/b")) {
            assertThat(fresh).isNotSameAs(held);
        } finally {
            dirs.forget();
        }
    }
}
