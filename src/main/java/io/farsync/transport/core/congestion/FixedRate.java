package io.farsync.transport.core.congestion;

/**
 * The {@code fixed} policy: paces at the target rate whatever the network says, with no window.
 * For dedicated links and for measuring the rest of the transport; on a shared or narrower path
 * it floods the bottleneck and loss recovery repairs the damage.
 */
final class FixedRate implements RateController {

    private final long rate;

    FixedRate(Limits limits) {
        this.rate = limits.targetRateBitsPerSecond();
    }

    @Override
    public void onPacketSent(long now, int wireBytes, long bytesInFlight) {
    }

    @Override
    public void onAck(long now, long ackedBytes, long bytesInFlight, long minRttNanos, long smoothedRttNanos,
            long oneWayDelayNanos) {
    }

    @Override
    public void onLoss(long now, long lostBytes) {
    }

    @Override
    public long pacingRateBitsPerSecond() {
        return rate;
    }

    @Override
    public long windowBytes() {
        return Long.MAX_VALUE;
    }

    @Override
    public long queueingDelayNanos() {
        return 0;
    }
}
