package io.farsync.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps password guessing slow and cheap for the console. Every login costs an Argon2id
 * verification (19 MiB, ~50 ms of a core), so the console must not let anyone run them at will:
 *
 * <ul>
 *   <li>after {@code freeFailures} failed logins for a user name, or {@code 4 × freeFailures}
 *       from one client address, further attempts for that name or from that address are refused
 *       without any hashing until a lockout has passed; the lockout doubles with each further
 *       failure, from 1 s up to {@code maxLockout}. A success clears the user name's count (not
 *       the address's, so one valid account does not reset an address that guesses others).
 *       Counts are forgotten {@code maxLockout} after the last failure.</li>
 *   <li>at most {@code concurrent} verifications run at once; a login that cannot get a turn
 *       within {@code wait} is refused as busy. This bounds the memory logins can take
 *       ({@code concurrent × 19 MiB}) whatever arrives.</li>
 * </ul>
 *
 * No library in the project does this for Javalin, and it is small.
 */
final class LoginThrottle {
    /** How the gate answered. {@code retryAfter} is set when the attempt was refused. */
    enum Verdict { OK, WRONG, LOCKED, BUSY }

    record Outcome(Verdict verdict, Duration retryAfter) {
    }

    private record Failures(int count, Instant last) {
    }

    private static final int MAX_TRACKED = 100_000;

    private final Clock clock;
    private final int freeFailures;
    private final Duration maxLockout;
    private final Semaphore hashing;
    private final Duration wait;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    LoginThrottle(Clock clock, int freeFailures, Duration maxLockout, int concurrent, Duration wait) {
        if (freeFailures < 1 || concurrent < 1) {
            throw new IllegalArgumentException("freeFailures (" + freeFailures + ") and concurrent (" + concurrent + ") must be positive");
        }
        this.clock = clock;
        this.freeFailures = freeFailures;
        this.maxLockout = maxLockout;
        this.hashing = new Semaphore(concurrent, true);
        this.wait = wait;
    }

    static LoginThrottle defaults(Clock clock) {
        return new LoginThrottle(clock, 5, Duration.ofMinutes(15), 2, Duration.ofSeconds(5));
    }

    /**
     * Runs {@code verify} (the password check) unless {@code user} or {@code client} is locked out
     * or too many checks are running, and counts a failure when it returns false.
     */
    Outcome attempt(String user, String client, BooleanSupplier verify) throws InterruptedException {
        String u = "user:" + user;
        String c = "client:" + client;
        Duration locked = max(lockout(u, freeFailures), lockout(c, 4 * freeFailures));
        if (!locked.isZero()) {
            return new Outcome(Verdict.LOCKED, locked);
        }
        if (!hashing.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            return new Outcome(Verdict.BUSY, Duration.ofSeconds(1));
        }
        boolean ok;
        try {
            ok = verify.getAsBoolean();
        } finally {
            hashing.release();
        }
        if (ok) {
            failures.remove(u);
            return new Outcome(Verdict.OK, null);
        }
        fail(u);
        fail(c);
        return new Outcome(Verdict.WRONG, null);
    }

    private void fail(String key) {
        Instant now = clock.instant();
        if (failures.size() >= MAX_TRACKED) {
            // a flood of distinct names: forget the expired ones first, then the rest
            failures.values().removeIf(f -> f.last().plus(maxLockout).isBefore(now));
            if (failures.size() >= MAX_TRACKED) {
                failures.clear();
            }
        }
        failures.merge(key, new Failures(1, now), (old, one) -> new Failures(
                old.last().plus(maxLockout).isBefore(now) ? 1 : old.count() + 1, now));
    }

    /** How much longer {@code key} stays locked: zero when free. */
    private Duration lockout(String key, int free) {
        Failures f = failures.get(key);
        if (f == null || f.count() < free) {
            return Duration.ZERO;
        }
        Instant now = clock.instant();
        if (f.last().plus(maxLockout).isBefore(now)) {
            failures.remove(key, f);
            return Duration.ZERO;
        }
        int over = Math.min(f.count() - free, 30);
        Duration lock = Duration.ofSeconds(1L << over);
        lock = lock.compareTo(maxLockout) > 0 ? maxLockout : lock;
        Duration left = Duration.between(now, f.last().plus(lock));
        return left.isNegative() ? Duration.ZERO : left;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
