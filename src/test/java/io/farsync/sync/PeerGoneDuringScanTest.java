package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.scan.Scanner;
import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that is gone before the local scan ends (a server that refused the sync: its refusal
 * aborts the transport) is reported at once, not after scanning the whole tree, which on a large
 * cold tree took minutes.
 */
class PeerGoneDuringScanTest {
    @TempDir
    Path tmp;

    @Test
    void theSourceStopsScanning_andReportsThePeersFailure() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 50; i++) {
            Files.writeString(Files.createDirectories(src.resolve("d" + i).resolve("e")).resolve("f"), "x");
        }
        // the transport aborted by the refusal: the first read fails
        AtomicReference<Thread> reader = new AtomicReference<>();
        InputStream refused = new InputStream() {
            @Override
            public int read() throws IOException {
                reader.set(Thread.currentThread());
                throw new IOException("path escapes the root: /../escaped");
            }
        };
        try (SnapshotStore snapshot = SnapshotStore.open(tmp.resolve("source.db"))) {
            // the scan begins only once the reader has seen the failure and ended: the ordering
            // a slow scan of a large tree has, made certain
            SourceEndpoint endpoint = new SourceEndpoint(src, snapshot, SyncOptions.defaults(), SyncListener.NONE)
                    .beforeScan(() -> await().atMost(Duration.ofSeconds(60))
                            .until(() -> reader.get() != null && !reader.get().isAlive()));
            assertThatThrownBy(() -> endpoint.run(refused, OutputStream.nullOutputStream()))
                    .isInstanceOfSatisfying(FarsyncException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(ExitCode.TRANSFER_FAILED);
                        // the scan was cut short, not run to its end before the failure was read
                        assertThat(e.getSuppressed()).hasAtLeastOneElementOfType(Scanner.Stopped.class);
                    })
                    .hasMessage("connection to peer failed: path escapes the root: /../escaped");
        }
    }
}
