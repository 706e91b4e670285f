package io.farsync.sync.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaDirTest {

    @TempDir
    Path tmp;

    /**
     * An n-way hub syncs one root with several spokes at once: each may create the replica
     * directory. Before, a create that lost the race between its "is it a directory" and "does
     * it exist" checks failed with "exists and is not a directory".
     */
    @Test
    void create_racingCreatorsOfOneRoot_allSucceed() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 200; round++) {
                Path root = Files.createDirectory(tmp.resolve("root" + round));
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Path>> made = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    made.add(pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        return ReplicaDir.create(root);
                    }));
                }
                for (Future<Path> f : made) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(ReplicaDir.of(root)).isDirectory();
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void create_fileInTheWay_isRefusedWithTheReason() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.writeString(ReplicaDir.of(root), "not a directory");
        assertThatThrownBy(() -> ReplicaDir.create(root))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exists and is not a directory");
    }

    @Test
    void create_symlinkInTheWay_isRefused() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(ReplicaDir.of(root), elsewhere);
        assertThatThrownBy(() -> ReplicaDir.create(root))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exists and is not a directory");
    }
}
