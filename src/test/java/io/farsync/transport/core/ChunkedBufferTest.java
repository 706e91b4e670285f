package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.transport.sim.Pattern;
import org.junit.jupiter.api.Test;

class ChunkedBufferTest {

    @Test
    void writeAnywhere_thenRead_acrossChunkBoundaries() {
        ChunkedBuffer b = new ChunkedBuffer();
        Pattern p = new Pattern(5);
        byte[] data = new byte[5 * ChunkedBuffer.CHUNK + 123];
        p.fill(0, data, 0, data.length);
        // second half first, as reassembly does with out-of-order data
        int half = data.length / 2;
        b.write(half, data, half, data.length - half);
        b.write(0, data, 0, half);
        byte[] back = new byte[data.length];
        b.read(0, back, 0, back.length);

        assertThat(back).isEqualTo(data);
    }

    @Test
    void releaseBelow_forgetsOldChunks() {
        ChunkedBuffer b = new ChunkedBuffer();
        byte[] data = new byte[3 * ChunkedBuffer.CHUNK];
        b.write(0, data, 0, data.length);
        b.releaseBelow(2L * ChunkedBuffer.CHUNK);

        assertThatThrownBy(() -> b.write(0, data, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        b.write(2L * ChunkedBuffer.CHUNK, data, 0, 10);
    }
}
