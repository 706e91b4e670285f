package io.farsync.transport.core.congestion;

import static io.farsync.transport.core.congestion.FlowRun.MS;
import static io.farsync.transport.core.congestion.FlowRun.S;
import static io.farsync.transport.core.congestion.FlowRun.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.RatePolicy;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.core.congestion.FlowRun.Flow;
import io.farsync.transport.sim.BbrTcpFlow;
import io.farsync.transport.sim.CubicTcpFlow;
import io.farsync.transport.sim.LinkProfile;
import io.farsync.transport.sim.Simulation;
import io.farsync.transport.sim.Simulation.Slowdown;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The policies against a loss-based TCP flow ({@link CubicTcpFlow}, a model of TCP CUBIC) through
 * a simulated bottleneck of 50 Mbit/s at 100 ms RTT with a one-BDP tail-drop queue, as
 * {@code bench/fairness.sh} runs them against iperf3 on the emulated link: the TCP flow starts
 * first, farsync two seconds later, and both are measured over the same window once farsync has
 * had time to notice the competitor. 50 Mbit/s rather than 100 keeps each test to a few seconds
 * of encryption; CUBIC's cycle at this BDP is about 8 s, so the window spans two of them.
 */
class CompetitiveModeTest {

    private static final long BOTTLENECK = 50_000_000L;
    private static final long RTT = 100 * MS;
    private static final long FARSYNC_START = 2 * S;
    private static final long WARM_UP = 10 * S;
    private static final long MEASURED = 20 * S;

    private static TransportConfig config(RatePolicy policy) {
        return TransportConfig.defaults().withRate(1_000_000_000L).withPolicy(policy)
                .withBuffers(64 << 20, 64 << 20).withIdleTimeout(Duration.ofSeconds(30));
    }

    /** One farsync flow on {@code policy} through the bottleneck, starting {@link #FARSYNC_START} in. */
    private static FlowRun farsync(String test, RatePolicy policy) {
        return farsync(test, policy, FARSYNC_START);
    }

    /** One farsync flow on {@code policy} through the bottleneck, starting {@code start} in. */
    private static FlowRun farsync(String test, RatePolicy policy, long start) {
        return farsync(test, policy, start, BOTTLENECK);
    }

    /** As above, through a bottleneck of {@code bottleneck} bits/s (one BDP of queue). */
    private static FlowRun farsync(String test, RatePolicy policy, long start, long bottleneck) {
        long bdp = bottleneck / 8 * RTT / S;
        return new FlowRun(test, LinkProfile.perfect(RTT / 2).withBottleneck(bottleneck, bdp),
                LinkProfile.perfect(RTT / 2), config(RatePolicy.FAIR),
                List.of(new Flow(config(policy), start, Long.MAX_VALUE / 4)));
    }

    /** farsync's and TCP's goodput over the measured window, bits/s, with farsync on {@code policy}. */
    private static double[] againstCubic(String test, RatePolicy policy) {
        return againstCubic(test, policy, FARSYNC_START);
    }

    private static double[] againstCubic(String test, RatePolicy policy, long start) {
        return againstCubic(test, policy, start, null);
    }

    /** As above, with farsync's sender slowed down as {@code stalls} says (null: never). */
    private static double[] againstCubic(String test, RatePolicy policy, long start, Slowdown stalls) {
        return against(test, policy, start, stalls, "CUBIC", sim -> new CubicTcpFlow(sim.clock().now()).addTo(sim)::receivedBytes);
    }

    /** farsync's and BBR's goodput over the measured window, bits/s, with farsync on {@code policy}. */
    private static double[] againstBbr(String test, RatePolicy policy, long start) {
        return against(test, policy, start, null, "BBR", sim -> new BbrTcpFlow(sim.clock().now()).addTo(sim)::receivedBytes);
    }

    /**
     * farsync's and a TCP flow's goodput over the measured window, bits/s; {@code tcp} adds the
     * TCP flow (starting at once) to the simulation and returns its received-bytes counter.
     */
    private static double[] against(String test, RatePolicy policy, long start, Slowdown stalls, String name,
            Function<Simulation, LongSupplier> tcp) {
        return against(test, policy, start, stalls, name, tcp, WARM_UP);
    }

    /** As above, measured over {@link #MEASURED} from {@code warmUp} after the run's start. */
    private static double[] against(String test, RatePolicy policy, long start, Slowdown stalls, String name,
            Function<Simulation, LongSupplier> tcp, long warmUp) {
        FlowRun r = farsync(test, policy, start);
        if (stalls != null) {
            r.sim.setSlowdown(0, stalls);
        }
        LongSupplier received = tcp.apply(r.sim);
        r.runFor(warmUp);
        long tcpBefore = received.getAsLong();
        r.runFor(MEASURED);
        double far = r.goodput(0, slice(warmUp), slice(warmUp + MEASURED));
        double other = (received.getAsLong() - tcpBefore) * 8.0 / (MEASURED / 1e9);
        System.out.printf("%s against %s, 50 Mbit/s, 100 ms, %d to %d s: farsync %.1f Mbit/s, TCP %.1f Mbit/s, share %.0f %%%n",
                policy, name, warmUp / S, (warmUp + MEASURED) / S, far / 1e6, other / 1e6, 100 * far / (far + other));
        return new double[] {far, other};
    }

    private static double share(double[] rates) {
        return rates[0] / (rates[0] + rates[1]);
    }

    @Test
    void fair_sharesTheBottleneckWithCubic() {
        double[] r = againstCubic("fairVsCubic", RatePolicy.FAIR);
        assertThat(share(r)).isBetween(0.30, 0.70);
        assertThat(r[0] + r[1]).isGreaterThanOrEqualTo(0.85 * BOTTLENECK);
    }

    /**
     * Two loss-based flows in a tail-drop queue are chaotic: moving farsync's start by a few
     * hundred milliseconds changes one run's shares by tens of percent (one start gave high 51 %,
     * another 95 %). So each policy's share is the mean over several starts.
     */
    @Test
    void high_takesMoreThanFairAgainstCubic() {
        double fair = meanShare("fairVsCubicForHigh", RatePolicy.FAIR);
        double high = meanShare("highVsCubic", RatePolicy.HIGH);
        System.out.printf("mean share against CUBIC: fair %.0f %%, high %.0f %%%n", 100 * fair, 100 * high);
        assertThat(high).isGreaterThan(fair);
        assertThat(high).isBetween(0.5, 0.85);
    }

    /**
     * Where {@code high} settles: the measured window above ends 30 s in, while CUBIC at this BDP
     * gives up the link it held alone over several of its 8 s epochs. Measured over the 20 s
     * after that, three starts: with session 6's growth of 8 C, high's share kept rising (68 to
     * 90 % over 40 s; 85 % in this window) and squeezed the TCP flow to a tenth of the link; with
     * CUBIC's own growth, both flows' epochs are equal where high has twice TCP's window (71 %).
     */
    @Test
    void high_settlesAtAboutTwiceTheShareOfCubic() {
        double sum = 0;
        for (long start : STARTS) {
            sum += share(against("highVsCubicSettled", RatePolicy.HIGH, start, null, "CUBIC",
                    sim -> new CubicTcpFlow(sim.clock().now()).addTo(sim)::receivedBytes, SETTLED)) / STARTS.length;
        }
        System.out.printf("mean share against CUBIC once settled: high %.0f %%%n", 100 * sum);
        assertThat(sum).as("high's share of the bottleneck, two thirds being twice TCP's").isBetween(0.58, 0.76);
    }

    /** When the shares of CUBIC and farsync have settled: a few of CUBIC's epochs after both started. */
    private static final long SETTLED = 20 * S;

    /**
     * A sender on the emulated link's loaded 2 cores: descheduled now and then, it sends at a
     * trickle for a fifth of a second every two seconds. On the emulated link the DEBUG log of
     * {@code bench/fairness.sh} showed such moments (round trips with no delivery, then one at the
     * link's rate; the queue under a 1.8 MB window falling to 3 ms).
     */
    private static final Slowdown LOADED_SENDER = new Slowdown(10_000_000L, 3 * S, 3 * S + 200 * MS).every(2 * S);

    /**
     * The sender stalling as on a loaded machine: the stalls drain the queue, the two flows' losses
     * no longer come together, and CUBIC's response function (the window as the fourth root of C
     * over 1 - beta) makes MulTCP's gentler decrease alone worth only about a fifth more. Session
     * 6 answered with a growth of 8 C (high 63 %, fair 48 % here); that growth made high squeeze
     * CUBIC on the emulated link once the shares settled (75 % with a 25 s warm-up, session 7),
     * and on CUBIC's own growth it takes 51 % here. So this model of a loaded sender only holds
     * high at or above fair's share; the stalls also made drain tests find the queue empty with
     * CUBIC still there (fair went back to the delay rule and yielded for seconds): one such test
     * no longer ends competing, two in a row do.
     */
    @Test
    void high_takesAtLeastFairsShareAgainstCubic_whenTheSenderStalls() {
        double fair = 0;
        double high = 0;
        for (long start : STARTS) {
            fair += share(againstCubic("fairVsCubicStalled", RatePolicy.FAIR, start, LOADED_SENDER)) / STARTS.length;
            high += share(againstCubic("highVsCubicStalled", RatePolicy.HIGH, start, LOADED_SENDER)) / STARTS.length;
        }
        System.out.printf("mean share against CUBIC, sender stalling: fair %.0f %%, high %.0f %%%n", 100 * fair, 100 * high);
        assertThat(fair).isBetween(0.3, 0.7);
        assertThat(high).isGreaterThanOrEqualTo(fair);
        assertThat(high).isLessThan(0.85);
    }

    private static final long[] STARTS = {2 * S, 2 * S + 300 * MS, 2 * S + 700 * MS};

    private static double meanShare(String test, RatePolicy policy) {
        double sum = 0;
        for (long start : STARTS) {
            sum += share(againstCubic(test, policy, start));
        }
        return sum / STARTS.length;
    }

    /**
     * Once the TCP flow ends, the competitive window would keep the queue full on its own; the
     * drain test must find that out and hand back to the delay rule: a short queue again, and
     * the whole link.
     */
    @Test
    void fair_returnsToAShortQueue_whenCubicLeaves() {
        returnsToAShortQueue_whenCubicLeaves("fairAfterCubic", RatePolicy.FAIR, BOTTLENECK);
    }

    /**
     * The same for {@code high}, whatever its growth while competing, on the emulated link's 100
     * Mbit/s. Not at 50: there high's own queue alone (two alphas, 21 ms) is above the detection
     * threshold (18 ms), so it takes itself for a loss-based flow, competes, and hands back at
     * each second drain test (mean queue 59 ms; the threshold's known weakness on slow links).
     */
    @Test
    void high_returnsToAShortQueue_whenCubicLeaves() {
        returnsToAShortQueue_whenCubicLeaves("highAfterCubic", RatePolicy.HIGH, 2 * BOTTLENECK);
    }

    private static void returnsToAShortQueue_whenCubicLeaves(String test, RatePolicy policy, long bottleneck) {
        FlowRun r = farsync(test, policy, FARSYNC_START, bottleneck);
        long start = r.sim.clock().now();
        CubicTcpFlow tcp = new CubicTcpFlow(start).stopAt(start + WARM_UP).addTo(r.sim);
        r.runFor(WARM_UP + 6 * S);
        r.sim.link().resetQueueStats();
        r.runFor(4 * S);

        double goodput = r.goodput(0, slice(WARM_UP + 6 * S), slice(WARM_UP + 10 * S));
        long queue = r.sim.link().meanQueueDelay(0);
        System.out.printf("%s after CUBIC left (%d TCP reductions): %.1f %% of the bottleneck, queue mean %.1f ms%n",
                policy, tcp.reductions(), 100 * goodput / bottleneck, queue / 1e6);
        assertThat(tcp.reductions()).as("the TCP flow met farsync's competition").isPositive();
        assertThat(goodput).isGreaterThanOrEqualTo(0.9 * bottleneck);
        assertThat(queue).as("mean bottleneck queueing delay").isLessThanOrEqualTo(20 * MS);
    }

    /**
     * BBR keeps about twice its bandwidth-delay product in flight whatever the loss, so the
     * one-BDP queue stays full, nearly every round trip has a congestion loss, and CUBIC's rule,
     * backing off at each, left {@code fair} 3 % here (13 % against iperf3 with bbr on the
     * emulated link). Holding a window sized by the drain tests' share estimate instead: fair
     * about half (49 % over the three starts); high too, not the two thirds it aims at.
     */
    @Test
    void fairAndHigh_holdTheirShareAgainstBbr() {
        double fair = meanShareAgainstBbr("fairVsBbr", RatePolicy.FAIR);
        double high = meanShareAgainstBbr("highVsBbr", RatePolicy.HIGH);
        System.out.printf("mean share against BBR: fair %.0f %%, high %.0f %%%n", 100 * fair, 100 * high);
        assertThat(fair).isBetween(0.35, 0.65);
        // high aims at two thirds but gets about what fair gets (51 %): see docs/PERFORMANCE.md
        assertThat(high).isBetween(0.35, 0.8);
    }

    private static double meanShareAgainstBbr(String test, RatePolicy policy) {
        double sum = 0;
        for (long start : STARTS) {
            sum += share(againstBbr(test, policy, start));
        }
        return sum / STARTS.length;
    }

    @Test
    void low_yieldsToCubic() {
        assertThat(share(againstCubic("lowVsCubic", RatePolicy.LOW))).isLessThan(0.20);
    }
}
