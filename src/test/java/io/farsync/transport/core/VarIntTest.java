package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VarIntTest {

    @Test
    void writeThenRead_roundTripsAtEveryWidth() throws Exception {
        long[] values = {0, 63, 64, 16_383, 16_384, (1L << 30) - 1, 1L << 30, VarInt.MAX};
        byte[] buf = new byte[100];
        int pos = 0;
        for (long v : values) {
            pos = VarInt.write(buf, pos, v);
        }
        pos = VarInt.write(buf, pos, 5, 4);
        FrameReader r = new FrameReader();
        r.reset(buf, 0, pos);
        for (long v : values) {
            assertThat(r.varint()).isEqualTo(v);
        }
        assertThat(r.varint()).as("non-minimal encoding").isEqualTo(5);
        assertThat(r.hasRemaining()).isFalse();
    }

    @Test
    void read_pastTheEnd_isMalformed() {
        byte[] buf = new byte[8];
        VarInt.write(buf, 0, VarInt.MAX);
        FrameReader r = new FrameReader();
        r.reset(buf, 0, 5);

        assertThatThrownBy(r::varint).isSameAs(FrameReader.Malformed.INSTANCE);
    }

    @Test
    void write_outOfRange_fails() {
        assertThatThrownBy(() -> VarInt.size(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VarInt.write(new byte[8], 0, 100, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
