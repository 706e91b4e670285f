package io.farsync.transport;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Immutable settings of one transport endpoint. Start from {@link #defaults()} and adjust with
 * the {@code with...} methods.
 *
 * <p>The rate settings work together: {@code policy} decides how the sending rate moves (see
 * {@link RatePolicy}), never above {@code rateBitsPerSecond} (the target, or maximum) and, for
 * the adaptive policies, never below {@code minRateBitsPerSecond}. The default policy is
 * {@link RatePolicy#FAIR}: a user who names a rate of 1 Gbit/s on a 100 Mbit/s path expects the
 * transfer to run at the path's speed without flooding it, not to lose nine datagrams in ten.
 *
 * @param rateBitsPerSecond    target (maximum) pacing rate for outgoing datagrams, bits/s;
 *                             {@link RatePolicy#FIXED} sends at exactly this rate
 * @param datagramSize         UDP payload size in bytes, headers and AEAD tag included
 * @param sendBufferBytes      how much unacknowledged outgoing stream data a connection holds
 * @param receiveWindowBytes   flow-control window granted to the peer, bytes
 * @param idleTimeout          a connection fails when no authenticated datagram arrives for this long
 * @param policy               how the rate adapts to the path
 * @param minRateBitsPerSecond floor of the adaptive policies, bits/s (0: none beyond a couple of
 *                             datagrams per round trip); at most the target rate
 * @param initialRtt           the round-trip time the session layer measured before the transport
 *                             started (its SSH handshake), or zero if unknown; the adaptive
 *                             policies size their first, paced flight from it (see
 *                             {@code DelayController})
 * @param probeDatagramSize    whether to find the datagram size by path MTU probing, from 1200
 *                             bytes up to {@code datagramSize} (see {@code MtuProber}); false:
 *                             always {@code datagramSize} (an explicit {@code --datagram-size})
 * @param resumeRateBitsPerSecond the rate the path to this peer carried for this process's last
 *                             connection to it, bits/s, or 0 if none is known (see
 *                             {@link PathHistory}): {@code fair} and {@code high} may start from
 *                             half of it instead of their usual first flight (careful resume, see
 *                             {@code DelayController}); {@code low} and {@code fixed} ignore it
 */
public record TransportConfig(
        long rateBitsPerSecond,
        int datagramSize,
        int sendBufferBytes,
        int receiveWindowBytes,
        Duration idleTimeout,
        RatePolicy policy,
        long minRateBitsPerSecond,
        Duration initialRtt,
        boolean probeDatagramSize,
        long resumeRateBitsPerSecond) {

    public static final int MIN_DATAGRAM = 256;
    public static final int MAX_DATAGRAM = 65_000;
    /** The smallest target rate accepted, bits/s. */
    public static final long MIN_RATE = 8_000;

    public TransportConfig {
        if (rateBitsPerSecond < MIN_RATE) {
            throw new IllegalArgumentException("rate (" + rateBitsPerSecond + " bit/s) must be at least 8 kbit/s");
        }
        if (datagramSize < MIN_DATAGRAM || datagramSize > MAX_DATAGRAM) {
            throw new IllegalArgumentException("datagram size (" + datagramSize + ") must be in ["
                    + MIN_DATAGRAM + ", " + MAX_DATAGRAM + "]");
        }
        if (sendBufferBytes < datagramSize || receiveWindowBytes < datagramSize) {
            throw new IllegalArgumentException("buffers must hold at least one datagram");
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout (" + idleTimeout + ") must be positive");
        }
        Objects.requireNonNull(policy, "policy");
        if (minRateBitsPerSecond < 0) {
            throw new IllegalArgumentException("minimum rate (" + minRateBitsPerSecond + " bit/s) must not be negative");
        }
        if (minRateBitsPerSecond > rateBitsPerSecond) {
            throw new IllegalArgumentException("minimum rate (" + minRateBitsPerSecond
                    + " bit/s) exceeds the target rate (" + rateBitsPerSecond + " bit/s)");
        }
        if (resumeRateBitsPerSecond < 0) {
            throw new IllegalArgumentException("resume rate (" + resumeRateBitsPerSecond + " bit/s) must not be negative");
        }
        Objects.requireNonNull(initialRtt, "initialRtt");
        if (initialRtt.isNegative()) {
            throw new IllegalArgumentException("initial RTT (" + initialRtt + ") must not be negative");
        }
    }

    /** The settings before the rate-control components existed: policy {@link RatePolicy#FAIR}, no minimum rate. */
    public TransportConfig(long rateBitsPerSecond, int datagramSize, int sendBufferBytes, int receiveWindowBytes,
            Duration idleTimeout) {
        this(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout, RatePolicy.FAIR, 0, Duration.ZERO, false, 0);
    }

    /**
     * Target 1 Gbit/s under the {@link RatePolicy#FAIR} policy with no minimum rate, 1472-byte
     * datagrams (a 1500-byte IPv4 MTU), 64 MiB windows, 30 s idle timeout.
     */
    public static TransportConfig defaults() {
        return new TransportConfig(1_000_000_000L, 1472, 64 << 20, 64 << 20, Duration.ofSeconds(30),
                RatePolicy.FAIR, 0, Duration.ZERO, false, 0);
    }

    /** Sets the target rate; fails if it is below the minimum rate (lower that first, or use {@link #withRates}). */
    public TransportConfig withRate(long bitsPerSecond) {
        return new TransportConfig(bitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout,
                policy, minRateBitsPerSecond, initialRtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    public TransportConfig withMinRate(long bitsPerSecond) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout,
                policy, bitsPerSecond, initialRtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    /** Sets the minimum and target rates together, so neither order of change trips the check. */
    public TransportConfig withRates(long minBitsPerSecond, long targetBitsPerSecond) {
        return new TransportConfig(targetBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout,
                policy, minBitsPerSecond, initialRtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    public TransportConfig withPolicy(RatePolicy ratePolicy) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout,
                ratePolicy, minRateBitsPerSecond, initialRtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    public TransportConfig withDatagramSize(int size) {
        return new TransportConfig(rateBitsPerSecond, size, sendBufferBytes, receiveWindowBytes, idleTimeout,
                policy, minRateBitsPerSecond, initialRtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    /** Probes the path MTU, up to {@link #datagramSize()}, instead of using that size from the start. */
    public TransportConfig withDatagramSizeProbing(boolean probe) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout,
                policy, minRateBitsPerSecond, initialRtt, probe, resumeRateBitsPerSecond);
    }

    public TransportConfig withBuffers(int sendBytes, int receiveWindow) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBytes, receiveWindow, idleTimeout,
                policy, minRateBitsPerSecond, initialRtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    /**
     * Sizes both windows for the target rate: two seconds of data at that rate, between 64 MiB and
     * 512 MiB. A loss stalls the flow-control window until its repair arrives, a round trip or two
     * later (more when the repair is lost too), so the window must cover several RTTs at the
     * longest distances we serve (600 ms): 64 MiB at 500 Mbit/s and 600 ms held a 1 % loss link
     * to 40 % of the bottleneck. Memory is only taken as data is actually outstanding.
     *
     * <p>Also at most an eighth of the JVM's heap each ({@link #windowsForHeap}): outstanding data
     * does fill both windows when the receiver writes slower than the sender reads (a first sync
     * of a million 100-byte files to a local destination held 200 MB in them, both ends in one
     * JVM), and a sync must fit the heap it is given ({@code -Xmx256m}). This cap can undercut
     * the 64 MiB above: the JVM's default heap is a quarter of the host's memory, so a 1 GiB host
     * gets at most 32 MiB, about 450 Mbit/s at 600 ms. It is logged once (INFO) when it applies;
     * a larger heap ({@code FARSYNC_JAVA_OPTS=-Xmx2g}) lifts it.
     */
    public TransportConfig withWindowsForRate() {
        long wanted = Math.max(64L << 20, Math.min(512L << 20, rateBitsPerSecond / 8 * 2));
        long heap = Runtime.getRuntime().maxMemory();
        long bytes = Math.min(wanted, windowsForHeap(heap));
        if (bytes < wanted && HEAP_CAP_LOGGED.compareAndSet(false, true)) {
            log.info(heapCapNotice(heap, bytes));
        }
        return withBuffers((int) bytes, (int) bytes);
    }

    private static final Logger log = LoggerFactory.getLogger(TransportConfig.class);
    private static final AtomicBoolean HEAP_CAP_LOGGED = new AtomicBoolean();

    /** What is logged when the heap caps the windows at {@code window} bytes: the rate it allows at 600 ms. */
    static String heapCapNotice(long maxHeapBytes, long window) {
        long mbitAt600ms = window * 8 * 1000 / 600 / 1_000_000;
        return String.format("transfer window capped at %d MiB by the Java heap (%d MiB): at most ~%d Mbit/s at 600 ms RTT;"
                + " give more heap to lift it (FARSYNC_JAVA_OPTS=-Xmx%dm)", window >> 20, maxHeapBytes >> 20, mbitAt600ms,
                (64L << 20) * 8 >> 20);
    }

    /** The largest window a heap of {@code maxHeapBytes} affords: an eighth of it, at least 4 MiB. */
    static long windowsForHeap(long maxHeapBytes) {
        return Math.max(4L << 20, maxHeapBytes / 8);
    }

    public TransportConfig withIdleTimeout(Duration timeout) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, timeout,
                policy, minRateBitsPerSecond, initialRtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    /** Sets the round-trip time measured before the transport started ({@link Duration#ZERO}: unknown). */
    public TransportConfig withInitialRtt(Duration rtt) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout,
                policy, minRateBitsPerSecond, rtt, probeDatagramSize, resumeRateBitsPerSecond);
    }

    /** Sets the rate the path to the peer carried recently, bits/s (0: unknown); see {@link PathHistory}. */
    public TransportConfig withResumeRate(long bitsPerSecond) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout,
                policy, minRateBitsPerSecond, initialRtt, probeDatagramSize, bitsPerSecond);
    }
}
