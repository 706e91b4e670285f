package io.farsync.transport.sim;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.core.Connection;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Pairs of {@link Connection}s (in pair k, side 2k the client and side 2k + 1 the server) joined
 * by one {@link SimulatedLink}, driven in virtual time: deliver what has arrived, run due
 * timers, let each side's {@link App} act, send what the connections emit, then jump to the next
 * event. Nothing sleeps; a run of seconds of virtual time takes milliseconds. Every pair's
 * datagrams go through the same bottleneck, so several pairs compete for it like flows through
 * a shared router.
 */
public final class Simulation {

    /** What the application on one side does whenever the simulation gives it a turn. */
    public interface App {
        void step(Connection connection, long now);
    }

    /**
     * A pair of endpoints that are not farsync connections (a model of a competing TCP flow)
     * sharing the link: it owns sides {@code base} (sends through the forward bottleneck) and
     * {@code base + 1}, where {@code base} is what {@link #addAgent} returned.
     */
    public interface Agent {
        /** A datagram arrived at side {@code side}. */
        void receive(int side, byte[] datagram, long now);

        /** Sends what is due through {@code link}; returns whether it sent anything. */
        boolean step(SimulatedLink link, long now);

        /** When it next needs a turn with nothing arriving (a timer); Long.MAX_VALUE if never. */
        long nextWakeupNanos();
    }

    private static final long START = 1_000_000_000L;
    private static final int MAX_STUCK_ROUNDS = 10_000;

    private final VirtualClock clock = new VirtualClock();
    private final SimulatedLink link;
    private final Connection[] sides;
    private final App[] apps;
    private final List<Agent> agents = new ArrayList<>();
    private final byte[] buf = new byte[TransportConfig.MAX_DATAGRAM];
    /** Per side: when its host is slow (null: never), the datagrams it has yet to read, and when it reads the next. */
    private final Slowdown[] slowdowns;
    private final List<ArrayDeque<Held>> unread = new ArrayList<>();
    private final long[] readFreeAt;
    private final long[] sendFreeAt;
    private boolean kernelTimestamps;

    /** A datagram that arrived at a host at {@code arrivedAt}, with the time the host gets to read it. */
    private record Held(long arrivedAt, long readAt, byte[] datagram) {
    }

    /** One pair: a client with {@code clientConfig}, a server with {@code serverConfig}. */
    public Simulation(TransportConfig clientConfig, TransportConfig serverConfig, SessionKeys keys,
            LinkProfile clientToServer, LinkProfile serverToClient, long seed) {
        this(List.of(clientConfig), serverConfig, List.of(keys), clientToServer, serverToClient, seed);
    }

    private Simulation(List<TransportConfig> clientConfigs, TransportConfig serverConfig, List<SessionKeys> keys,
            LinkProfile clientToServer, LinkProfile serverToClient, long seed) {
        clock.advanceTo(START);
        this.link = new SimulatedLink(clientToServer, serverToClient, new Random(seed));
        int pairs = clientConfigs.size();
        this.sides = new Connection[2 * pairs];
        this.apps = new App[2 * pairs];
        this.slowdowns = new Slowdown[2 * pairs];
        this.readFreeAt = new long[2 * pairs];
        this.sendFreeAt = new long[2 * pairs];
        for (int side = 0; side < 2 * pairs; side++) {
            unread.add(new ArrayDeque<>());
        }
        Arrays.fill(apps, (App) (c, now) -> { });
        for (int k = 0; k < pairs; k++) {
            String suffix = pairs == 1 ? "" : "-" + k;
            sides[2 * k] = Connection.client(clientConfigs.get(k), keys.get(k), clock.now());
            sides[2 * k + 1] = Connection.server(serverConfig, keys.get(k), clock.now());
            sides[2 * k].setPeerLabel("sim-server" + suffix);
            sides[2 * k + 1].setPeerLabel("sim-client" + suffix);
        }
    }

    /**
     * One pair per entry of {@code clientConfigs}, all through the same link: every client sends
     * through the {@code clientToServer} bottleneck, every server through the other.
     */
    public static Simulation shared(List<TransportConfig> clientConfigs, TransportConfig serverConfig,
            LinkProfile clientToServer, LinkProfile serverToClient, long seed) {
        SecureRandom keyRandom = new SecureRandom();
        List<SessionKeys> keys = clientConfigs.stream().map(c -> SessionKeys.generate(keyRandom, 128)).toList();
        return new Simulation(clientConfigs, serverConfig, keys, clientToServer, serverToClient, seed);
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

    /**
     * The seed for a test that checks a performance goal rather than correctness: the property
     * {@code farsync.sim.seed} if set; a fresh one with {@code -Dfarsync.sim.randomGoals=true};
     * else a fixed seed per test, so CI judges the controller on the same links every run. Random
     * seeds find weak spots the fixed ones miss: at 10 % loss some ended at 73-79 % of the
     * bottleneck (slow recovery of the last lost packets, since fixed by tail repeats; the
     * 10 %-loss check now runs on three seeds).
     */
    public static long goalSeed(String test) {
        if (System.getProperty("farsync.sim.seed") == null && !Boolean.getBoolean("farsync.sim.randomGoals")) {
            long seed = test.hashCode() * 0x9E3779B97F4A7C15L;
            System.out.println(test + ": fixed seed " + seed + " (random ones with -Dfarsync.sim.randomGoals=true)");
            return seed;
        }
        return seed(test);
    }

    public Connection client() {
        return sides[0];
    }

    public Connection server() {
        return sides[1];
    }

    /** The client of pair {@code k}. */
    public Connection client(int k) {
        return sides[2 * k];
    }

    /** The server of pair {@code k}. */
    public Connection server(int k) {
        return sides[2 * k + 1];
    }

    public SimulatedLink link() {
        return link;
    }

    public VirtualClock clock() {
        return clock;
    }

    /** Sets the application of side {@code side} (0 the first client, 1 its server, 2 the second client...). */
    public void setApp(int side, App app) {
        apps[side] = app;
    }

    /**
     * A host starved of CPU for a while, like a receiver on two cores shared with an emulator, a
     * sender and other builds: from {@code fromNanos} to {@code untilNanos} after the simulation's
     * start it reads datagrams at only {@code rateBitsPerSecond}, and sends at most at that rate.
     * What it has not read waits, as in a socket buffer (of any size), and each datagram is
     * timestamped when it is read (unless {@link #setKernelTimestamps}: when it arrived). A slow
     * receiver's one-way delay samples thus grow and its acknowledgements come at that rate, as
     * if the link were that slow, until the host runs
     * again and reads its backlog at once; a slow sender leaves its window partly unused.
     */
    public record Slowdown(long rateBitsPerSecond, long fromNanos, long untilNanos, long periodNanos) {
        public Slowdown {
            if (rateBitsPerSecond <= 0 || fromNanos >= untilNanos) {
                throw new IllegalArgumentException("slowdown rate (" + rateBitsPerSecond + " bit/s) must be positive and its"
                        + " span [" + fromNanos + ", " + untilNanos + ") ns not empty");
            }
            if (periodNanos != 0 && periodNanos <= untilNanos - fromNanos) {
                throw new IllegalArgumentException("slowdown period " + periodNanos + " ns must be longer than its span");
            }
        }

        /** One slowdown, over [fromNanos, untilNanos). */
        public Slowdown(long rateBitsPerSecond, long fromNanos, long untilNanos) {
            this(rateBitsPerSecond, fromNanos, untilNanos, 0);
        }

        /**
         * The same span again every {@code period} ns from {@code fromNanos} on: a host on a
         * loaded machine, descheduled now and then for as long as the span.
         */
        public Slowdown every(long period) {
            return new Slowdown(rateBitsPerSecond, fromNanos, untilNanos, period);
        }

        boolean covers(long sinceStart) {
            long t = phase(sinceStart);
            return t >= fromNanos && t < untilNanos;
        }

        /** When the span covering {@code sinceStart} ends, since the start. */
        long spanEnd(long sinceStart) {
            return sinceStart - phase(sinceStart) + untilNanos;
        }

        /** {@code sinceStart} folded into the first period. */
        private long phase(long sinceStart) {
            return periodNanos > 0 && sinceStart >= fromNanos ? fromNanos + (sinceStart - fromNanos) % periodNanos : sinceStart;
        }

        long nanosFor(int bytes) {
            return bytes * 8_000_000_000L / rateBitsPerSecond;
        }
    }

    /**
     * Whether a datagram reaches its connection with the time it arrived from the link (as
     * UdpTransport's kernel receive timestamps give it) instead of the time its host read it (the
     * default, as UdpTransport's NIO fallback). The two differ only while a {@link Slowdown}
     * holds datagrams unread.
     */
    public void setKernelTimestamps(boolean on) {
        kernelTimestamps = on;
    }

    /** Slows down side {@code side}'s host as {@code s} says. */
    public void setSlowdown(int side, Slowdown s) {
        slowdowns[side] = s;
    }

    /** Queues {@code d} for its side, to be read once that side's host gets to it. */
    private void hold(SimulatedLink.Delivery d, long now) {
        int side = d.toSide();
        Slowdown s = slowdowns[side];
        long readAt = now;
        if (s != null && s.covers(now - START)) {
            readFreeAt[side] = Math.max(now, readFreeAt[side]) + s.nanosFor(d.datagram().length);
            readAt = Math.min(readFreeAt[side], START + s.spanEnd(now - START));
        }
        unread.get(side).add(new Held(now, readAt, d.datagram()));
    }

    /** Adds {@code agent} to the link; returns the first of its two sides. */
    public int addAgent(Agent agent) {
        agents.add(agent);
        return sides.length + 2 * (agents.size() - 1);
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
                if (d.toSide() < sides.length) {
                    hold(d, now);
                } else {
                    agents.get((d.toSide() - sides.length) / 2).receive(d.toSide(), d.datagram(), now);
                }
                progress = true;
            }
            for (int side = 0; side < sides.length; side++) {
                Connection c = sides[side];
                ArrayDeque<Held> waiting = unread.get(side);
                while (!waiting.isEmpty() && waiting.peek().readAt() <= now) {
                    Held h = waiting.poll();
                    c.receive(h.datagram(), 0, h.datagram().length, now, kernelTimestamps ? h.arrivedAt() : now);
                }
                if (c.nextWakeupNanos() <= now) {
                    c.onTimeout(now);
                }
                apps[side].step(c, now);
                int n;
                while (sendFreeAt[side] <= now && (n = c.poll(buf, 0, buf.length, now)) > 0) {
                    link.send(side, buf, n, now);
                    progress = true;
                    Slowdown s = slowdowns[side];
                    if (s != null && s.covers(now - START)) {
                        sendFreeAt[side] = Math.max(now, sendFreeAt[side]) + s.nanosFor(n);
                    }
                }
            }
            for (Agent a : agents) {
                progress |= a.step(link, now);
            }
            if (done.getAsBoolean()) {
                return true;
            }
            long next = link.nextArrival();
            for (int side = 0; side < sides.length; side++) {
                // a host still busy sending (Slowdown) acts again once it is done
                next = Math.min(next, Math.max(sides[side].nextWakeupNanos(), sendFreeAt[side]));
                if (!unread.get(side).isEmpty()) {
                    next = Math.min(next, unread.get(side).peek().readAt());
                }
            }
            for (Agent a : agents) {
                next = Math.min(next, a.nextWakeupNanos());
            }
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
