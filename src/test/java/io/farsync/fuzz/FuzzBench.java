package io.farsync.fuzz;

import io.farsync.session.ControlFuzzTarget;
import io.farsync.sync.protocol.MessageFuzzTarget;
import io.farsync.transport.core.DatagramFuzzTarget;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Runs seeded fuzz cases against a {@link FuzzTarget} and stops at the first crash, finding or
 * hang. Every case gets its own {@link Random}, derived from the run's seed and the case index,
 * so one failing case replays alone: {@code FuzzBench.replay(target, seed, index)}. A watchdog
 * thread treats a case that runs longer than the per-case timeout as a hang; it reports the
 * case and ends the JVM, since a hung decoder cannot be interrupted reliably.
 *
 * <p>Hand-written because no fuzzing library is in this project's dependencies (Jazzer would
 * need a native agent); the generators are structure-aware (mutations of genuine messages),
 * which plain random bytes would not reach.
 *
 * <p>{@code main(CASES, SEED[, TIMEOUT_MS])} is what {@code bench/fuzz.sh} runs: every target,
 * CASES cases each.
 */
public final class FuzzBench {

    /** Outcome of a run. */
    public record Result(String target, long cases, long seed, long nanos, String summary) {
        @Override
        public String toString() {
            return String.format("%s: %,d cases, seed %d, %.1f s (%,.0f cases/s); %s", target, cases, seed,
                    nanos / 1e9, cases / Math.max(nanos / 1e9, 1e-9), summary);
        }
    }

    private FuzzBench() {
    }

    /** The case's own random source: a SplitMix64 step over seed and index. */
    static Random caseRandom(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /**
     * Runs cases {@code 0..cases-1}; throws AssertionError naming the case and seed at the first
     * finding or crash; a case over {@code caseTimeoutMillis} halts the JVM with exit code 3.
     */
    public static Result run(FuzzTarget target, long cases, long seed, long caseTimeoutMillis) {
        Watchdog watchdog = new Watchdog(target.name(), seed, TimeUnit.MILLISECONDS.toNanos(caseTimeoutMillis));
        watchdog.start();
        long start = System.nanoTime();
        try {
            for (long i = 0; i < cases; i++) {
                watchdog.begin(i);
                try {
                    target.run(i, caseRandom(seed, i));
                } catch (FuzzTarget.Finding e) {
                    throw new AssertionError(target.name() + " case " + i + " (seed " + seed + "): " + e.getMessage(), e);
                } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                    throw new AssertionError(target.name() + " case " + i + " (seed " + seed + ") crashed: " + e, e);
                }
            }
        } finally {
            watchdog.finish();
        }
        return new Result(target.name(), cases, seed, System.nanoTime() - start, target.summary());
    }

    /** Every target of the bench, fresh. */
    public static List<FuzzTarget> targets(long seed) {
        return List.of(new DatagramFuzzTarget(seed), new ControlFuzzTarget(), new MessageFuzzTarget());
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: FuzzBench CASES SEED [CASE_TIMEOUT_MS]");
            System.exit(2);
        }
        long cases = Long.parseLong(args[0]);
        long seed = Long.parseLong(args[1]);
        long timeout = args.length > 2 ? Long.parseLong(args[2]) : 5_000;
        int failures = 0;
        for (FuzzTarget t : targets(seed)) {
            try {
                System.out.println("RESULT " + run(t, cases, seed, timeout));
            } catch (AssertionError e) {
                failures++;
                System.out.println("FAILED " + e.getMessage());
                e.printStackTrace(System.out);
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    /** Halts the JVM if one case runs longer than the timeout. */
    private static final class Watchdog extends Thread {
        private final String target;
        private final long seed;
        private final long timeoutNanos;
        private volatile long caseIndex = -1;
        private volatile long caseStart;
        private volatile boolean done;

        Watchdog(String target, long seed, long timeoutNanos) {
            super("fuzz-watchdog-" + target);
            setDaemon(true);
            this.target = target;
            this.seed = seed;
            this.timeoutNanos = timeoutNanos;
        }

        void begin(long index) {
            caseStart = System.nanoTime();
            caseIndex = index;
        }

        void finish() {
            done = true;
            interrupt();
        }

        @Override
        public void run() {
            while (!done) {
                long index = caseIndex;
                long started = caseStart;
                long waitNanos = timeoutNanos;
                if (index >= 0) {
                    long ran = System.nanoTime() - started;
                    if (ran > timeoutNanos && started == caseStart) {
                        System.out.printf("FAILED %s case %d (seed %d) hangs: running for %d ms%n", target, index, seed,
                                TimeUnit.NANOSECONDS.toMillis(ran));
                        System.out.flush();
                        Runtime.getRuntime().halt(3);
                    }
                    waitNanos = Math.max(1, timeoutNanos - ran);
                }
                // a timed wait (not synchronisation): this thread only samples the case clock
                try {
                    TimeUnit.NANOSECONDS.sleep(Math.min(waitNanos, TimeUnit.MILLISECONDS.toNanos(100)) + 1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
