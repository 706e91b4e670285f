package io.farsync.sync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** All on a virtual clock: nothing sleeps. */
class ChangeAggregatorTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final Path ROOT = Path.of("/data");
    private final AtomicLong now = new AtomicLong(-5_000_000_000L); // nanoTime may be negative
    private final ChangeAggregator agg = new ChangeAggregator(ROOT,
            new ChangeAggregator.Settings(Duration.ofSeconds(1), Duration.ofSeconds(10), 1000), now::get);

    private void advance(long millis) {
        now.addAndGet(millis * 1_000_000);
    }

    @Test
    void nothingPending_isNeverDue() {
        assertThat(agg.poll()).isEmpty();
        assertThat(agg.nanosUntilDue()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void batch_isReleasedOnlyAfterCooloffOfQuiet() {
        agg.changed(ROOT.resolve("a"));
        advance(900);
        agg.changed(ROOT.resolve("b")); // restarts the quiet period
        advance(900);
        assertThat(agg.poll()).isEmpty();

        advance(100);
        Optional<Batch> b = agg.poll();

        assertThat(b).get().satisfies(batch -> {
            assertThat(batch.paths()).containsExactlyInAnyOrder(ROOT.resolve("a"), ROOT.resolve("b"));
            assertThat(batch.hints()).isEqualTo(2);
            assertThat(batch.waited()).isEqualTo(Duration.ofMillis(1900));
        });
        assertThat(agg.poll()).isEmpty();
    }

    @Test
    void busyTree_isReleasedAtMaxDelay() {
        for (int i = 0; i < 99; i++) {
            agg.changed(ROOT.resolve("log"));
            advance(100);
        }
        agg.changed(ROOT.resolve("log")); // 9.9 s after the first change, still busy
        assertThat(agg.poll()).isEmpty();
        advance(100);

        assertThat(agg.poll()).get().extracting(Batch::hints).isEqualTo(100L);
    }

    @Test
    void request_isDueAtOnce_butWaitsForPendingChangesToCoolOff() {
        agg.request("periodic scan");
        assertThat(agg.poll()).get().extracting(Batch::reasons).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.COLLECTION)
                .containsExactly("periodic scan");

        agg.changed(ROOT.resolve("being-written"));
        advance(500);
        agg.request("periodic scan");
        assertThat(agg.poll()).isEmpty();
        advance(500);
        assertThat(agg.poll()).get().satisfies(b -> assertThat(b.reasons()).containsExactly("periodic scan"));
    }

    @Test
    void flood_becomesOneWholeTreeBatch_withBoundedMemory() {
        System.out.println("seed " + SEED);
        Random random = new Random(SEED);
        int maxHeld = 0;
        for (int i = 0; i < 100_000; i++) {
            agg.changed(ROOT.resolve("d" + random.nextInt(1000) + "/f" + random.nextInt(1_000_000)));
            maxHeld = Math.max(maxHeld, agg.pendingPaths());
            if (i % 1000 == 0) {
                advance(1); // 100k events within 0.1 s
            }
        }
        assertThat(maxHeld).isLessThanOrEqualTo(1001);
        assertThat(agg.pendingPaths()).isZero();
        advance(1000);

        Batch b = agg.poll().orElseThrow();

        assertThat(b.hints()).isEqualTo(100_000);
        assertThat(b.wholeTree()).isTrue();
        assertThat(b.paths()).isEmpty();
        assertThat(agg.poll()).isEmpty();
    }

    @Test
    void rescanOfRoot_makesTheBatchWholeTree_andWaitsForQuiet() {
        agg.rescan(ROOT, "the event queue overflowed");
        assertThat(agg.poll()).isEmpty();
        advance(1000);

        Batch b = agg.poll().orElseThrow();

        assertThat(b.wholeTree()).isTrue();
        assertThat(b.reasons()).containsExactly("the event queue overflowed");
    }

    @Test
    void await_returnsNullOnceStopped() throws Exception {
        agg.stop();

        assertThat(agg.await(Long.MAX_VALUE)).isNull();
        assertThat(agg.pauseUntil(now.get() + 1_000_000_000L)).isFalse();
    }

    @Test
    void await_returnsAtTheDeadlineWhenNothingIsDue() throws Exception {
        agg.changed(ROOT.resolve("a"));

        assertThat(agg.await(now.get())).isNull();
        advance(1000);
        assertThat(agg.await(now.get())).isNotNull();
    }
}
