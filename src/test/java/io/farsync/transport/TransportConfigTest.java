package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransportConfigTest {

    @Test
    void defaults_areFairWithoutAFloor() {
        TransportConfig c = TransportConfig.defaults();

        assertThat(c.policy()).isEqualTo(RatePolicy.FAIR);
        assertThat(c.minRateBitsPerSecond()).isZero();
        assertThat(c.rateBitsPerSecond()).isEqualTo(1_000_000_000L);
    }

    @Test
    void minRateAboveTarget_isRefusedNamingBothRates() {
        TransportConfig c = TransportConfig.defaults().withRate(100_000_000L);

        assertThatThrownBy(() -> c.withMinRate(200_000_000L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minimum rate (200000000 bit/s) exceeds the target rate (100000000 bit/s)");
        assertThatThrownBy(() -> c.withMinRate(50_000_000L).withRate(10_000_000L))
                .hasMessageContaining("exceeds the target rate");
        assertThat(c.withMinRate(50_000_000L).withRates(5_000_000L, 10_000_000L).minRateBitsPerSecond())
                .isEqualTo(5_000_000L);
    }

    @Test
    void withers_keepTheOtherSettings() {
        TransportConfig c = TransportConfig.defaults().withPolicy(RatePolicy.LOW).withMinRate(1_000_000L)
                .withRate(50_000_000L).withDatagramSize(9000);

        assertThat(c.policy()).isEqualTo(RatePolicy.LOW);
        assertThat(c.minRateBitsPerSecond()).isEqualTo(1_000_000L);
        assertThat(c.rateBitsPerSecond()).isEqualTo(50_000_000L);
        assertThat(c.datagramSize()).isEqualTo(9000);
    }

    @Test
    void policy_parsesCommandLineNames() {
        assertThat(RatePolicy.parse("High")).isEqualTo(RatePolicy.HIGH);
        assertThat(RatePolicy.FAIR.label()).isEqualTo("fair");
        assertThatThrownBy(() -> RatePolicy.parse("fast")).hasMessageContaining("expected fixed, high, fair or low");
    }

    @Test
    void windows_areAtMostAnEighthOfTheHeap_butNeverBelow4MiB() {
        assertThat(TransportConfig.windowsForHeap(256L << 20)).isEqualTo(32L << 20);
        assertThat(TransportConfig.windowsForHeap(6L << 30)).isEqualTo(768L << 20);
        assertThat(TransportConfig.windowsForHeap(16L << 20)).isEqualTo(4L << 20);
        long heapShare = TransportConfig.windowsForHeap(Runtime.getRuntime().maxMemory());
        TransportConfig c = TransportConfig.defaults().withRate(4_000_000_000L).withWindowsForRate();
        assertThat((long) c.sendBufferBytes()).isEqualTo(Math.min(512L << 20, heapShare));
        assertThat(c.receiveWindowBytes()).isEqualTo(c.sendBufferBytes());
    }

    @Test
    void heapCapNotice_namesTheHeapTheRateAt600msAndHowToLiftIt() {
        assertThat(TransportConfig.heapCapNotice(1L << 30, TransportConfig.windowsForHeap(1L << 30)))
                .isEqualTo("transfer window capped at 128 MiB by the Java heap (1024 MiB): at most ~1789 Mbit/s at 600 ms RTT;"
                        + " give more heap to lift it (FARSYNC_JAVA_OPTS=-Xmx512m)");
        assertThat(TransportConfig.heapCapNotice(256L << 20, 32L << 20)).contains("32 MiB", "256 MiB", "~447 Mbit/s");
    }
}
