package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SendStreamTest {

    private static SendStream withBytes(int n) {
        SendStream s = new SendStream(1 << 20);
        assertThat(s.write(new byte[n], 0, n)).isEqualTo(n);
        return s;
    }

    private static void sendNext(SendStream s, int max) {
        assertThat(s.next(Long.MAX_VALUE, max)).isTrue();
        s.onSent();
    }

    @Test
    void write_isBoundedBySendBuffer_untilAcked() {
        SendStream s = new SendStream(1000);
        assertThat(s.write(new byte[1500], 0, 1500)).isEqualTo(1000);
        assertThat(s.write(new byte[1], 0, 1)).isZero();
        sendNext(s, 400);
        s.onAcked(0, 400, false);

        assertThat(s.writableBytes()).isEqualTo(400);
    }

    @Test
    void write_isBoundedByUnsentBytes_untilSent() {
        SendStream s = new SendStream(1000, 300);
        assertThat(s.write(new byte[1500], 0, 1500)).isEqualTo(300);
        assertThat(s.writableBytes()).isZero();
        sendNext(s, 200);

        assertThat(s.writableBytes()).isEqualTo(200);
        assertThat(s.write(new byte[1500], 0, 1500)).isEqualTo(200);
        sendNext(s, 300);
        assertThat(s.write(new byte[1500], 0, 1500)).isEqualTo(300);
        sendNext(s, 300);
        // all 800 sent, none acked: the capacity is what bounds now
        assertThat(s.write(new byte[1500], 0, 1500)).isEqualTo(200);
        assertThat(s.write(new byte[1], 0, 1)).isZero();
    }

    @Test
    void retransmit_afterLoss_comesBeforeNewData() {
        SendStream s = withBytes(3000);
        sendNext(s, 1000);
        sendNext(s, 1000);
        s.onLost(0, 1000, false);

        assertThat(s.next(Long.MAX_VALUE, 1000)).isTrue();
        assertThat(s.nextOffset()).isZero();
        assertThat(s.nextRetransmit()).isTrue();
    }

    @Test
    void lostRange_skipsBytesAckedThroughAnotherPacket() {
        SendStream s = withBytes(3000);
        sendNext(s, 1000);
        s.onLost(0, 1000, false);
        sendNext(s, 600);                  // retransmits 0..600
        s.onAcked(0, 600, false);
        s.onLost(0, 600, false);           // that retransmission "lost" too, but acked meanwhile: nothing

        assertThat(s.next(Long.MAX_VALUE, 2000)).isTrue();
        assertThat(s.nextOffset()).isEqualTo(600);
        assertThat(s.nextLength()).isEqualTo(400);
        assertThat(s.nextRetransmit()).isTrue();
    }

    @Test
    void newData_respectsPeerCredit() {
        SendStream s = withBytes(3000);

        assertThat(s.next(1200, 1000)).isTrue();
        s.onSent();
        assertThat(s.next(1200, 1000)).isTrue();
        assertThat(s.nextLength()).isEqualTo(200);
        s.onSent();
        assertThat(s.hasSendable(1200)).isFalse();
        assertThat(s.hasSendable(1201)).isTrue();
    }

    @Test
    void fin_rides_withLastData_andIsResentAloneWhenLost() {
        SendStream s = withBytes(100);
        s.finish();
        assertThat(s.next(Long.MAX_VALUE, 1000)).isTrue();
        assertThat(s.nextFin()).isTrue();
        s.onSent();
        s.onAcked(0, 100, false);   // say the data made it in another packet...
        s.onLost(0, 100, true);     // ...and the FIN's packet was lost

        assertThat(s.next(Long.MAX_VALUE, 1000)).isTrue();
        assertThat(s.nextLength()).isZero();
        assertThat(s.nextFin()).isTrue();
        s.onSent();
        s.onAcked(100, 0, true);
        assertThat(s.allAcked()).isTrue();
        assertThat(s.hasSendable(Long.MAX_VALUE)).isFalse();
    }
}
