package io.farsync.transport.sim;

/** Simulated time in nanoseconds; moves only when the simulation advances it. */
public final class VirtualClock {

    private long now;

    public long now() {
        return now;
    }

    public void advanceTo(long time) {
        if (time < now) {
            throw new IllegalArgumentException("time " + time + " is before now " + now);
        }
        now = time;
    }
}
