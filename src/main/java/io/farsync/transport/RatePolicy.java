package io.farsync.transport;

import java.util.Locale;

/**
 * How a connection chooses its sending rate between the configured minimum and target rates
 * (Aspera's policies of the same names). Every policy paces; the adaptive ones also measure the
 * queueing delay at the bottleneck from the receiver's timestamps and back off as it grows, and
 * none of them takes random loss for congestion.
 */
public enum RatePolicy {
    /** Sends at the target rate whatever happens: for dedicated links, and benchmarks. */
    FIXED,
    /** As {@link #FAIR}, but claims about twice a fair flow's share of a shared bottleneck. */
    HIGH,
    /**
     * The default: fills whatever bandwidth is free up to the target rate, keeps the queue it
     * builds at the bottleneck short, and shares a bottleneck equally with other fair flows.
     */
    FAIR,
    /** A scavenger: uses only what nobody else does, backing off as soon as a queue builds. */
    LOW;

    /** The policy named {@code name} (case-insensitive: fixed, high, fair, low). */
    public static RatePolicy parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown rate policy '" + name + "': expected fixed, high, fair or low", e);
        }
    }

    /** The lower-case name used on command lines and in statistics. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
