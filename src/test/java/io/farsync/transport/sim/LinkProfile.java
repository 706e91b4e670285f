package io.farsync.transport.sim;

/**
 * How one direction of a {@link SimulatedLink} treats datagrams.
 *
 * @param delayNanos       one-way propagation delay
 * @param jitterNanos      extra delay, uniform in [0, jitter): datagrams overtake each other
 * @param lossRate         probability that a datagram vanishes
 * @param duplicateRate    probability that a datagram arrives twice (the copy with its own jitter)
 * @param bandwidthBitsPerSecond bottleneck rate (0: unlimited), with a tail-drop queue
 * @param queueBytes       bottleneck queue size; datagrams that do not fit are dropped
 */
public record LinkProfile(long delayNanos, long jitterNanos, double lossRate, double duplicateRate,
        long bandwidthBitsPerSecond, long queueBytes) {

    public static LinkProfile perfect(long delayNanos) {
        return new LinkProfile(delayNanos, 0, 0, 0, 0, 0);
    }

    public LinkProfile withLoss(double rate) {
        return new LinkProfile(delayNanos, jitterNanos, rate, duplicateRate, bandwidthBitsPerSecond, queueBytes);
    }

    public LinkProfile withJitter(long nanos) {
        return new LinkProfile(delayNanos, nanos, lossRate, duplicateRate, bandwidthBitsPerSecond, queueBytes);
    }

    public LinkProfile withDuplication(double rate) {
        return new LinkProfile(delayNanos, jitterNanos, lossRate, rate, bandwidthBitsPerSecond, queueBytes);
    }

    public LinkProfile withBottleneck(long bitsPerSecond, long queue) {
        return new LinkProfile(delayNanos, jitterNanos, lossRate, duplicateRate, bitsPerSecond, queue);
    }
}
