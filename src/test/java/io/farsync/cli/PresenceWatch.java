package io.farsync.cli;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples whether files exist, as fast as one thread can stat them, and records every file that
 * went missing after it had been seen: a sync must never hide a file a user already had (a
 * conflict's loser is kept aside beside it, not moved away until the winner arrives). Sampling
 * catches a gap only while it lasts longer than one pass over the paths (tens of microseconds
 * idle, more under load), so a clean record is evidence, not proof. Close it to stop and join the
 * thread.
 */
final class PresenceWatch implements AutoCloseable {
    private final List<Path> paths = new CopyOnWriteArrayList<>();
    private final Set<Path> seen = new HashSet<>();
    private final List<String> vanished = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    PresenceWatch() {
        thread = new Thread(this::loop, "test-presence-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Watches {@code p} from now on: once it exists, its absence is recorded. */
    void watch(Path p) {
        paths.add(p);
    }

    /** Every disappearance seen so far, as "path (missing after it existed)". */
    List<String> vanished() {
        return new ArrayList<>(vanished);
    }

    private void loop() {
        while (running) {
            for (Path p : paths) {
                boolean there = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
                if (there) {
                    seen.add(p);
                } else if (seen.remove(p)) {
                    vanished.add(p + " (missing after it existed)");
                }
            }
            // a short pause between passes (sampling, not synchronisation): keeps a core for the syncs
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
