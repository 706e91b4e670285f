package io.farsync.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The fuzz bench's short run for CI: every target, 5,000 cases, a fresh seed each run
 * (printed; replay with -Dfarsync.test.seed=S). {@code bench/fuzz.sh} runs a million and more.
 */
class FuzzBenchTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final long CASES = Long.getLong("farsync.fuzz.cases", 5_000);

    @Test
    void everyDecoder_survivesFuzzedInput_andAcceptsNothingUnauthenticated() {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        for (FuzzTarget target : FuzzBench.targets(SEED)) {
            // a case over 60 s is a hang (they take microseconds); the watchdog then halts the JVM,
            // so the bound leaves room for a machine that stalls this thread a while
            FuzzBench.Result result = FuzzBench.run(target, CASES, SEED, 60_000);
            System.out.println(result);
            assertThat(result.cases()).isEqualTo(CASES);
        }
    }
}
