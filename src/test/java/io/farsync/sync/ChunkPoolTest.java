package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.protocol.MessageCodec;
import org.junit.jupiter.api.Test;

class ChunkPoolTest {

    private static final int CHUNK = MessageCodec.MAX_CHUNK;

    @Test
    void wholeChunk_handedBack_isReused() {
        ChunkPool pool = new ChunkPool(2);
        byte[] a = pool.take(CHUNK);
        pool.give(a);

        assertThat(pool.take(CHUNK)).isSameAs(a);
        assertThat(pool.take(CHUNK)).isNotSameAs(a).hasSize(CHUNK);
    }

    @Test
    void shorterArrays_areSizedExactly_andNeverPooled() {
        ChunkPool pool = new ChunkPool(2);
        byte[] tail = pool.take(1000);
        pool.give(tail);

        assertThat(tail).hasSize(1000);
        assertThat(pool.take(1000)).isNotSameAs(tail).hasSize(1000);
        assertThat(pool.take(CHUNK)).isNotSameAs(tail).hasSize(CHUNK);
    }

    @Test
    void beyondCapacity_chunksAreDropped() {
        ChunkPool pool = new ChunkPool(1);
        byte[] a = pool.take(CHUNK);
        byte[] b = pool.take(CHUNK);
        pool.give(a);
        pool.give(b);

        assertThat(pool.take(CHUNK)).isSameAs(a);
        assertThat(pool.take(CHUNK)).isNotSameAs(b);
    }
}
