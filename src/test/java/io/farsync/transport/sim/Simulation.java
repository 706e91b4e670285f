package io.farsync.transport.sim;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.core.Connection;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Two {@link Connection}s (side 0 the client, side 1 the server) joined by a
 * {@link SimulatedLink}, driven in virtual time: deliver what has arrived, run due timers, let
 * each side's {@link App} act, send what the connections emit, then jump to the next event.
 * Nothing sleeps; a run of seconds of virtual time takes milliseconds.
 */
public final class Simulation {

    /** What the application on one side does whenever the simulation gives it a turn. */
    public interface App {
        void step(Connection connection, long now);
    }

    private static final long START = 1_000_000_000L;
    private static final int MAX_STUCK_ROUNDS = 10_000;

    private final VirtualClock clock = new VirtualClock();
    private final SimulatedLink link;
    private final Connection[] sides = new Connection[2];
    private final App[] apps = {(c, now) -> { }, (c, now) -> { }};
    private final byte[] buf = new byte[TransportConfig.MAX_DATAGRAM];

    public Simulation(TransportConfig clientConfig, TransportConfig serverConfig, SessionKeys keys,
            LinkProfile clientToServer, LinkProfile serverToClient, long seed) {
        clock.advanceTo(START);
        this.link = new SimulatedLink(clientToServer, serverToClient, new Random(seed));
        sides[0] = Connection.client(clientConfig, keys, clock.now());
        sides[1] = Connection.server(serverConfig, keys, clock.now());
        sides[0].setPeerLabel("sim-server");
        sides[1].setPeerLabel("sim-client");
    }

    /**
     * The seed for a randomized test: the system property {@code farsync.sim.seed} if set, else
     * a fresh one; printed either way so that a failure can be replayed.
     */
    public static long seed(String test) {
        String fixed = System.getProperty("farsync.sim.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
        System.out.println(test + ": seed " + seed + " (replay with -Dfarsync.sim.seed=" + seed + ")");
        return seed;
    }

    public Connection client() {
        return sides[0];
    }

    public Connection server() {
        return sides[1];
    }

    public SimulatedLink link() {
        return link;
    }

    public VirtualClock clock() {
        return clock;
    }

    public void setApp(int side, App app) {
        apps[side] = app;
    }

    /**
     * Runs until {@code done} holds (returns true) or {@code maxNanos} of virtual time passed
     * (returns false).
     */
    public boolean runUntil(BooleanSupplier done, long maxNanos) {
        long deadline = clock.now() + maxNanos;
        int stuck = 0;
        while (!done.getAsBoolean()) {
            long now = clock.now();
            boolean progress = false;
            SimulatedLink.Delivery d;
            while ((d = link.poll(now)) != null) {
                sides[d.toSide()].receive(d.datagram(), 0, d.datagram().length, now);
                progress = true;
            }
            for (int side = 0; side < 2; side++) {
                Connection c = sides[side];
                if (c.nextWakeupNanos() <= now) {
                    c.onTimeout(now);
                }
                apps[side].step(c, now);
                int n;
                while ((n = c.poll(buf, 0, buf.length, now)) > 0) {
                    link.send(side, buf, n, now);
                    progress = true;
                }
            }
            if (done.getAsBoolean()) {
                return true;
            }
            long next = Math.min(link.nextArrival(), Math.min(sides[0].nextWakeupNanos(), sides[1].nextWakeupNanos()));
            if (next > now) {
                if (next > deadline) {
                    clock.advanceTo(Math.max(now, deadline));
                    return done.getAsBoolean();
                }
                clock.advanceTo(next);
                stuck = 0;
            } else if (!progress && ++stuck > MAX_STUCK_ROUNDS) {
                throw new IllegalStateException("simulation stuck at " + now + ": a connection keeps asking"
                        + " for a wake-up without doing anything");
            }
        }
        return true;
    }
}
