package io.farsync.sync.apply;

import io.farsync.sync.protocol.MessageCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Per-block xxHash64 (seed 0) of a partial file, by which a destination tells the source what
 * it already holds. Blocks are 1 MiB, doubled until the file needs at most
 * {@link MessageCodec#MAX_RESUME_BLOCKS} of them (4 GiB at 1 MiB; a 1 TiB file uses 256 MiB
 * blocks), so a resume request stays under 33 KB. Hashing runs at disk speed (xxHash64 does
 * several GB/s), far below the cost of sending the bytes again over a WAN.
 */
public final class BlockHashes {

    /** Default block size; files below it are never resumed (the temp file is discarded). */
    public static final int BLOCK = 1 << 20;
    private static final XXHashFactory HASHES = XXHashFactory.fastestInstance();

    private BlockHashes() {
    }

    /** The block size for resuming within {@code length} bytes. */
    public static int blockSizeFor(long length) {
        int size = BLOCK;
        while ((length + size - 1) / size > MessageCodec.MAX_RESUME_BLOCKS && size < MessageCodec.MAX_RESUME_BLOCK) {
            size <<= 1;
        }
        return size;
    }

    /**
     * Hashes of the whole blocks among the first {@code length} bytes of {@code file} (read
     * without following links); fewer if the file is shorter.
     */
    public static long[] of(Path file, long length, int blockSize) throws IOException {
        int blocks = (int) Math.min(length / blockSize, MessageCodec.MAX_RESUME_BLOCKS);
        long[] out = new long[blocks];
        ByteBuffer buf = ByteBuffer.allocate(Math.min(blockSize, MessageCodec.MAX_CHUNK));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            for (int i = 0; i < blocks; i++) {
                StreamingXXHash64 h = HASHES.newStreamingHash64(0L);
                long left = blockSize;
                while (left > 0) {
                    buf.clear().limit((int) Math.min(buf.capacity(), left));
                    int n = ch.read(buf);
                    if (n < 0) {
                        return java.util.Arrays.copyOf(out, i);
                    }
                    h.update(buf.array(), 0, n);
                    left -= n;
                }
                out[i] = h.getValue();
            }
        }
        return out;
    }
}
