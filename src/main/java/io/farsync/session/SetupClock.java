package io.farsync.session;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times the steps of a session's setup and estimates the round-trip time from the steps that are
 * exactly one round trip (the TCP connect, the login and job channel from their flight). The estimate sizes the transport's
 * first flight; the debug log shows each step in round trips, which is how the fixed cost of a
 * sync at 600 ms was found and cut (see docs/PERFORMANCE.md). Steps end on more than one thread
 * (the login's answer arrives on the control reader), hence the locks.
 */
final class SetupClock {
    private static final Logger log = LoggerFactory.getLogger(SetupClock.class);

    private final long start = System.nanoTime();
    private long last = start;
    private long minRoundTrip = Long.MAX_VALUE;

    /** A step that took one round trip just ended. */
    synchronized void roundTrip(String step) {
        long now = System.nanoTime();
        minRoundTrip = Math.min(minRoundTrip, now - last);
        report(step, now);
    }

    /**
     * A step that began with a message sent at {@code sentAt} (nanoTime, perhaps on another
     * thread, inside the previous step) and took one round trip just ended.
     */
    synchronized void roundTripSince(long sentAt, String step) {
        long now = System.nanoTime();
        minRoundTrip = Math.min(minRoundTrip, now - sentAt);
        report(step, now);
    }

    /** Any other step just ended. */
    synchronized void phase(String step) {
        report(step, System.nanoTime());
    }

    /** The smallest one-round-trip step so far, an upper bound of the path's RTT; zero before any. */
    synchronized Duration rtt() {
        return minRoundTrip == Long.MAX_VALUE ? Duration.ZERO : Duration.ofNanos(minRoundTrip);
    }

    /** The transport is about to send its first datagram. */
    synchronized void done() {
        long now = System.nanoTime();
        if (log.isDebugEnabled()) {
            log.debug("session setup: {} ms, {} round trips of {} ms", (now - start) / 1_000_000, roundTrips(now - start),
                    minRoundTrip == Long.MAX_VALUE ? "?" : String.valueOf(minRoundTrip / 1_000_000));
        }
    }

    private void report(String step, long now) {
        if (log.isDebugEnabled()) {
            log.debug("session setup: {} took {} ms ({} round trips)", step, (now - last) / 1_000_000, roundTrips(now - last));
        }
        last = now;
    }

    private String roundTrips(long nanos) {
        return minRoundTrip == Long.MAX_VALUE ? "?" : String.format("%.1f", (double) nanos / minRoundTrip);
    }
}
