package io.farsync.transport.core;

/**
 * Token-bucket pacing: tokens (bytes) accrue at the pacing rate up to a burst allowance of
 * about 1 ms of tokens, or two datagrams if that is more; a datagram may leave when the bucket
 * holds its size. Spreading datagrams evenly keeps the bottleneck queue short (the pacing
 * argument of BBR, Cardwell et al. 2016, and RFC 9002 section 7.7). The connection sets the
 * rate its {@code congestion.RateController} asks for after every ACK.
 */
final class Pacer {

    private static final long BURST_NANOS = 1_000_000;

    private final int maxDatagramWireBytes;
    private long rateBitsPerSecond;
    private double bytesPerNano;
    private double capacity;
    private double tokens;
    private long lastRefill;

    Pacer(long rateBitsPerSecond, int maxDatagramWireBytes, long now) {
        this.maxDatagramWireBytes = maxDatagramWireBytes;
        this.lastRefill = now;
        setRate(rateBitsPerSecond);
        this.tokens = capacity;
    }

    void setRate(long bitsPerSecond) {
        if (bitsPerSecond <= 0) {
            throw new IllegalArgumentException("rate (" + bitsPerSecond + " bit/s) must be positive");
        }
        this.rateBitsPerSecond = bitsPerSecond;
        this.bytesPerNano = bitsPerSecond / 8e9;
        this.capacity = Math.max(bytesPerNano * BURST_NANOS, 2.0 * maxDatagramWireBytes);
        this.tokens = Math.min(tokens, capacity);
    }

    long rateBitsPerSecond() {
        return rateBitsPerSecond;
    }

    /** True when a datagram of {@code wireBytes} may be sent at {@code now}. */
    boolean canSend(int wireBytes, long now) {
        refill(now);
        return tokens >= wireBytes;
    }

    void onSend(int wireBytes, long now) {
        refill(now);
        tokens -= wireBytes;
    }

    /** The earliest time at which {@code wireBytes} may be sent (in the past if already). */
    long nextSendTime(int wireBytes) {
        if (tokens >= wireBytes) {
            return lastRefill;
        }
        return lastRefill + (long) Math.ceil((wireBytes - tokens) / bytesPerNano);
    }

    private void refill(long now) {
        long elapsed = now - lastRefill;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * bytesPerNano);
            lastRefill = now;
        }
    }
}
