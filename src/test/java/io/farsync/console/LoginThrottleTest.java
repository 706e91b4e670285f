package io.farsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.history.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void afterFreeFailures_aUserIsLockedOut_withoutHashing_andTheLockoutDoubles() throws Exception {
        LoginThrottle t = new LoginThrottle(clock, 3, Duration.ofMinutes(15), 2, Duration.ZERO);
        for (int i = 0; i < 3; i++) {
            assertThat(t.attempt("ann", "10.0.0." + i, () -> false).verdict()).isEqualTo(LoginThrottle.Verdict.WRONG);
        }
        LoginThrottle.Outcome locked = t.attempt("ann", "10.0.0.9", () -> {
            throw new AssertionError("a locked-out attempt must not hash");
        });
        assertThat(locked.verdict()).isEqualTo(LoginThrottle.Verdict.LOCKED);
        assertThat(locked.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        // another user from the same addresses is not affected
        assertThat(t.attempt("bob", "10.0.0.1", () -> true).verdict()).isEqualTo(LoginThrottle.Verdict.OK);

        clock.advance(Duration.ofSeconds(1));
        assertThat(t.attempt("ann", "10.0.0.9", () -> false).verdict()).isEqualTo(LoginThrottle.Verdict.WRONG);
        assertThat(t.attempt("ann", "10.0.0.9", () -> true).retryAfter()).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        assertThat(t.attempt("ann", "10.0.0.9", () -> true).verdict()).isEqualTo(LoginThrottle.Verdict.OK);
        // a success clears the user's count
        assertThat(t.attempt("ann", "10.0.0.9", () -> false).verdict()).isEqualTo(LoginThrottle.Verdict.WRONG);
    }

    @Test
    void oneClientGuessingManyNames_isLockedOut_forNamesItNeverTried() throws Exception {
        LoginThrottle t = new LoginThrottle(clock, 2, Duration.ofMinutes(15), 2, Duration.ZERO);
        for (int i = 0; i < 8; i++) {
            assertThat(t.attempt("user" + i, "192.0.2.7", () -> false).verdict()).isEqualTo(LoginThrottle.Verdict.WRONG);
        }
        assertThat(t.attempt("fresh", "192.0.2.7", () -> true).verdict()).isEqualTo(LoginThrottle.Verdict.LOCKED);
        assertThat(t.attempt("fresh", "192.0.2.8", () -> true).verdict()).isEqualTo(LoginThrottle.Verdict.OK);
        clock.advance(Duration.ofMinutes(16));
        assertThat(t.attempt("fresh", "192.0.2.7", () -> true).verdict()).isEqualTo(LoginThrottle.Verdict.OK);
    }

    @Test
    void verificationsBeyondTheBound_areRefusedAsBusy() throws Exception {
        LoginThrottle t = new LoginThrottle(clock, 5, Duration.ofMinutes(15), 1, Duration.ZERO);
        CountDownLatch hashing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<LoginThrottle.Outcome> first = CompletableFuture.supplyAsync(() -> {
            try {
                return t.attempt("ann", "10.0.0.1", () -> {
                    hashing.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    return true;
                });
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        hashing.await();
        assertThat(t.attempt("bob", "10.0.0.2", () -> true).verdict()).isEqualTo(LoginThrottle.Verdict.BUSY);
        release.countDown();
        assertThat(first.get().verdict()).isEqualTo(LoginThrottle.Verdict.OK);
        assertThat(t.attempt("bob", "10.0.0.2", () -> true).verdict()).isEqualTo(LoginThrottle.Verdict.OK);
    }
}
