package io.farsync.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file system that cannot lock (ENOLCK, NFS without lockd) still gets this JVM's lock instead of failing every caller. */
class InterProcessLockTest {
    @TempDir
    Path tmp;

    @Test
    void withoutFileLocks_theLockIsThisJvmsOnly_andDoesNotFail() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        InterProcessLock lock = InterProcessLock.of(dir.resolve("x.lock")).withLocker(ch -> {
            throw new IOException("No locks available");
        });
        lock.lock();
        assertThat(lock.isLocked()).isTrue();
        lock.unlock();
        assertThat(lock.isLocked()).isFalse();
        lock.lock(); // warned once, still works
        lock.unlock();
    }
}
