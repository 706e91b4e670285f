package io.farsync.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.farsync.history.HistoryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NodeJobs}' shutdown and stop races, with the outbound sync replaced by a hook that lands a call at the racy point. */
class NodeJobsTest {
    @TempDir
    Path dir;
    HistoryStore history;

    @BeforeEach
    void open() throws Exception {
        Files.createDirectories(dir.resolve("root/d"));
        history = HistoryStore.open(dir.resolve("history.db"));
    }

    @AfterEach
    void closeHistory() {
        history.close();
    }

    private static NodeJobs.Spec spec() {
        return new NodeJobs.Spec("127.0.0.1", 2222, "d", "d", true, false, "newer", 1_000_000L, "default", false, false, null,
                "alice", null);
    }

    @Test
    void start_afterCloseBegan_isRefused() {
        NodeJobs jobs = new NodeJobs(dir.resolve("root"), history, (r, l, onAbort) -> new OutboundSync.Outcome(0, null, null));
        jobs.close();

        assertThatThrownBy(() -> jobs.start(spec())).isInstanceOf(IllegalStateException.class)
                .hasMessage("the node is shutting down: no new job starts");
        assertThat(jobs.list()).isEmpty();
    }

    @Test
    void stop_landingBeforeTheAbortIsRegistered_stillAbortsTheRun() throws Exception {
        AtomicReference<NodeJobs> jobsRef = new AtomicReference<>();
        CountDownLatch aborted = new CountDownLatch(1);
        OutboundSync sync = (request, listener, onAbort) -> {
            // the stop lands after the job's stopReason check and before it learns how to abort this run
            jobsRef.get().stop(1, "stopped by the test");
            onAbort.accept(aborted::countDown);
            try {
                aborted.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new OutboundSync.Outcome(9, "aborted", null);
        };
        NodeJobs jobs = new NodeJobs(dir.resolve("root"), history, sync);
        jobsRef.set(jobs);
        try {
            jobs.start(spec());

            await().atMost(Duration.ofSeconds(60)).until(() -> jobs.get(1).orElseThrow().state().equals("stopped"));
            assertThat(aborted.getCount()).as("the run's abort was called").isZero();
            assertThat(jobs.get(1).orElseThrow().lastStatus()).isEqualTo("aborted");
        } finally {
            jobs.close();
        }
    }
}
