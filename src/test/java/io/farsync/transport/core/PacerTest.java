package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PacerTest {

    private static final long MS = 1_000_000L;

    /** Sends as early as the pacer allows for {@code duration}; returns the bytes sent. */
    private static long sendGreedily(Pacer p, int size, long start, long duration) {
        long sent = 0;
        long now = start;
        while (now < start + duration) {
            if (p.canSend(size, now)) {
                p.onSend(size, now);
                sent += size;
            } else {
                now = Math.max(now + 1, p.nextSendTime(size));
            }
        }
        return sent;
    }

    @Test
    void longRun_sendsAtTheConfiguredRate() {
        Pacer p = new Pacer(100_000_000L, 1500, 0);
        long sent = sendGreedily(p, 1500, 0, 1000 * MS);

        // 100 Mbit/s for 1 s is 12.5 MB, plus at most the initial 1 ms burst
        assertThat(sent).isBetween(12_400_000L, 12_500_000L + 12_500 + 1500);
    }

    @Test
    void burstAfterIdle_isAboutOneMillisecondOfTokens() {
        Pacer p = new Pacer(1_000_000_000L, 1500, 0);
        long now = 10_000 * MS;
        long burst = 0;
        while (p.canSend(1500, now)) {
            p.onSend(1500, now);
            burst += 1500;
        }

        assertThat(burst).isBetween(123_000L, 125_000L);
    }

    @Test
    void slowRate_stillAllowsTwoDatagrams() {
        Pacer p = new Pacer(8_000, 1500, 0);
        long now = 60_000 * MS;
        int n = 0;
        while (p.canSend(1500, now)) {
            p.onSend(1500, now);
            n++;
        }

        assertThat(n).isEqualTo(2);
        assertThat(p.nextSendTime(1500) - now).isEqualTo(1500 * 1_000_000L);
    }

    @Test
    void setRate_changesPace() {
        Pacer p = new Pacer(100_000_000L, 1500, 0);
        sendGreedily(p, 1500, 0, 10 * MS);
        p.setRate(200_000_000L);
        long sent = sendGreedily(p, 1500, 10 * MS, 100 * MS);

        assertThat(p.rateBitsPerSecond()).isEqualTo(200_000_000L);
        assertThat(sent).isBetween(2_450_000L, 2_520_000L);
    }
}
