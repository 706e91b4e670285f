package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReceiveStreamTest {

    private static byte[] bytes(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void outOfOrderData_isReadInOrder() {
        ReceiveStream s = new ReceiveStream(1000, 1000);
        assertThat(s.onData(100, bytes(100, 100), 0, 100, false)).isNull();
        assertThat(s.available()).isZero();
        assertThat(s.onData(0, bytes(0, 100), 0, 100, false)).isNull();

        byte[] out = new byte[300];
        assertThat(s.read(out, 0, 300)).isEqualTo(200);
        for (int i = 0; i < 200; i++) {
            assertThat(out[i]).isEqualTo((byte) i);
        }
        assertThat(s.read(out, 0, 300)).isZero();
    }

    @Test
    void endOfStream_afterFinAndAllData() {
        ReceiveStream s = new ReceiveStream(1000, 1000);
        s.onData(50, bytes(50, 50), 0, 50, true);
        assertThat(s.isComplete()).isFalse();
        s.onData(0, bytes(0, 50), 0, 50, false);
        byte[] out = new byte[100];

        assertThat(s.isComplete()).isTrue();
        assertThat(s.read(out, 0, 100)).isEqualTo(100);
        assertThat(s.read(out, 0, 100)).isEqualTo(-1);
    }

    @Test
    void dataBeyondCredit_isAViolation() {
        ReceiveStream s = new ReceiveStream(1000, 1000);

        assertThat(s.onData(900, new byte[200], 0, 200, false)).contains("flow-control credit");
    }

    @Test
    void dataContradictingFinalSize_isAViolation() {
        ReceiveStream s = new ReceiveStream(1000, 1000);
        s.onData(0, new byte[10], 0, 10, true);

        assertThat(s.onData(10, new byte[5], 0, 5, false)).contains("final size");
        assertThat(s.onData(0, new byte[5], 0, 5, true)).contains("final size");
    }

    @Test
    void duplicateData_isHarmless() {
        ReceiveStream s = new ReceiveStream(1000, 1000);
        s.onData(0, bytes(0, 10), 0, 10, false);
        s.read(new byte[10], 0, 10);

        assertThat(s.onData(0, bytes(0, 10), 0, 10, false)).isNull();
        assertThat(s.available()).isZero();
    }

    @Test
    void credit_isReadvertisedAfterReadingAnEighthOfTheWindow() {
        ReceiveStream s = new ReceiveStream(800, 800);
        s.onData(0, new byte[800], 0, 800, false);
        s.read(new byte[99], 0, 99);
        assertThat(s.shouldUpdateCredit()).isFalse();
        s.read(new byte[1], 0, 1);

        assertThat(s.shouldUpdateCredit()).isTrue();
        assertThat(s.advertiseCredit()).isEqualTo(900);
        assertThat(s.shouldUpdateCredit()).isFalse();
    }

    @Test
    void discard_dropsDataButKeepsCreditFlowing() {
        ReceiveStream s = new ReceiveStream(800, 800);
        s.onData(0, new byte[400], 0, 400, false);
        s.discard();
        s.onData(400, new byte[400], 0, 400, false);

        assertThat(s.available()).isZero();
        assertThat(s.shouldUpdateCredit()).isTrue();
        assertThat(s.advertiseCredit()).isEqualTo(1600);
    }
}
