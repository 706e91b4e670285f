package io.farsync.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.Checksum;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local attacker at the destination swaps a directory the applier already checked for a
 * symlink to a directory outside the root, and back, as fast as it can, while files are written,
 * renamed into place, moved and deleted below it: not one byte may land outside the root. The
 * swaps race the applier for real (no sleeps); the seed drives what the applier does and how
 * long the racer keeps each state, and the number of operations is bounded.
 */
class ApplierSwapRaceTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final int OPERATIONS = 3_000;
    private static final long T = 1_600_000_000_123_456_789L;

    @TempDir
    Path tmp;

    @Test
    void directorySwappedForASymlinkDuringApply_nothingIsWrittenOutsideTheRoot() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path dir = Files.createDirectories(root.resolve("d"));
        Path parked = root.resolve("d-parked");
        Applier applier = new Applier(root);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong swaps = new AtomicLong();
        Thread racer = new Thread(() -> {
            Random r = new Random(SEED ^ 0x5a5a);
            try {
                while (!stop.get()) {
                    Files.move(dir, parked, StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(dir, outside);
                    spin(r.nextInt(2_000));
                    Files.delete(dir);
                    Files.move(parked, dir, StandardCopyOption.ATOMIC_MOVE);
                    swaps.incrementAndGet();
                    spin(r.nextInt(2_000));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "swap-racer");
        Random r = new Random(SEED);
        byte[] data = new byte[4096];
        r.nextBytes(data);
        long hash = net.jpountz.xxhash.XXHashFactory.fastestInstance().hash64().hash(data, 0, data.length, 0);
        java.util.Map<String, Integer> reasons = new java.util.TreeMap<>();
        long applied = 0;
        long refused = 0;
        racer.start();
        try {
            // on a busy machine the racer may start late: the operations begin once it is swapping
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> swaps.get() > 0 || !racer.isAlive());
            for (int i = 0; i < OPERATIONS; i++) {
                String rel = "d/f" + r.nextInt(50);
                WireEntry e = new WireEntry(rel, EntryType.FILE, data.length, T, 0644, null);
                try {
                    switch (r.nextInt(3)) {
                        case 0, 1 -> {
                            TempFile t = applier.createTemp(e, Checksum.XXH64);
                            t.write(data);
                            applier.commit(t, e);
                        }
                        default -> applier.move(rel, "d/g" + r.nextInt(50),
                                new Entry(rel, EntryType.FILE, data.length, T, 0644, 0, 0, null), false, hash);
                    }
                    applied++;
                } catch (EntryFailure expected) {
                    refused++;
                    reasons.merge(expected.getMessage().replaceAll("[0-9a-f]{16}|f[0-9]+|g[0-9]+", "*")
                            .replace(tmp.toString(), ""), 1, Integer::sum);
                }
            }
        } finally {
            stop.set(true);
            racer.join();
        }

        System.out.printf("%d operations applied, %d refused, %d swaps; refusals: %s%n", applied, refused, swaps.get(),
                reasons);
        List<Path> escaped;
        try (Stream<Path> s = Files.walk(outside)) {
            escaped = s.filter(p -> !p.equals(outside)).toList();
        }
        assertThat(escaped).as("written outside the root").isEmpty();
        assertThat(swaps.get()).as("the racer swapped at all").isPositive();
        assertThat(applied + refused).isEqualTo(OPERATIONS);
    }

    /** Busy work of random length, so that the swaps land at varied moments without sleeping. */
    private static void spin(int rounds) {
        long x = rounds;
        for (int i = 0; i < rounds; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        if (x == 42) {
            Thread.onSpinWait();
        }
    }
}
