package io.farsync.transport.core;

import java.nio.charset.StandardCharsets;

/**
 * Frame types and their encoders. A packet's plaintext is a sequence of frames; every integer
 * is a QUIC varint ({@link VarInt}).
 *
 * <pre>
 * 0x00 PADDING          (single byte; ignored)
 * 0x01 PING             ack-eliciting, no fields
 * 0x02 ACK              largest acked, ack delay (microseconds), receive time of the largest
 *                       (microseconds on the receiver's clock since its connection start: for
 *                       delay-based rate control), range count n >= 1, first range length,
 *                       then n-1 pairs (gap, range length); QUIC encoding: the first range is
 *                       [largest - first length, largest]; each next range's largest is the
 *                       previous smallest - gap - 2, its smallest that largest - length
 * 0x03 MAX_STREAM_DATA  stream id, maximum offset the peer may send up to (flow-control credit)
 * 0x04 CLOSE            error code (0 = graceful, 1 = application abort, 2 = protocol
 *                       violation), reason length, reason (UTF-8); not acknowledged
 * 0x05 PATH_CHALLENGE   8 bytes of random data; the peer echoes them in a PATH_RESPONSE
 * 0x06 PATH_RESPONSE    the 8 bytes of a PATH_CHALLENGE received (see {@link PathValidator})
 * 0x08 STREAM           stream id, offset, length, data; type 0x09 also carries FIN (the stream
 *                       ends after this frame's data)
 * </pre>
 *
 * Every frame except PADDING, ACK and CLOSE is ack-eliciting. A packet whose frames do not parse
 * is dropped whole before any of them takes effect; a packet that parses but violates the
 * protocol (data past the credit, an ack for a packet never sent, an unknown stream) fails the
 * connection with a CLOSE naming the violation, since it came from a peer holding the keys.
 */
final class Frames {

    static final int PADDING = 0x00;
    static final int PING = 0x01;
    static final int ACK = 0x02;
    static final int MAX_STREAM_DATA = 0x03;
    static final int CLOSE = 0x04;
    static final int PATH_CHALLENGE = 0x05;
    static final int PATH_RESPONSE = 0x06;
    static final int PATH_FRAME_SIZE = 9;
    static final int STREAM = 0x08;
    static final int STREAM_FIN = 0x09;

    static final int CLOSE_GRACEFUL = 0;
    static final int CLOSE_ABORT = 1;
    static final int CLOSE_PROTOCOL_VIOLATION = 2;

    /** Longest CLOSE reason sent, in bytes; longer reasons are cut. */
    static final int MAX_REASON_BYTES = 512;

    private Frames() {
    }

    static int writeMaxStreamData(byte[] buf, int pos, long streamId, long maxOffset) {
        buf[pos++] = MAX_STREAM_DATA;
        pos = VarInt.write(buf, pos, streamId);
        return VarInt.write(buf, pos, maxOffset);
    }

    static int maxStreamDataSize(long streamId, long maxOffset) {
        return 1 + VarInt.size(streamId) + VarInt.size(maxOffset);
    }

    static byte[] reasonBytes(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_REASON_BYTES) {
            return b;
        }
        byte[] cut = new byte[MAX_REASON_BYTES];
        System.arraycopy(b, 0, cut, 0, MAX_REASON_BYTES);
        return cut;
    }

    static int closeSize(int code, byte[] reason) {
        return 1 + VarInt.size(code) + VarInt.size(reason.length) + reason.length;
    }

    static int writeClose(byte[] buf, int pos, int code, byte[] reason) {
        buf[pos++] = CLOSE;
        pos = VarInt.write(buf, pos, code);
        pos = VarInt.write(buf, pos, reason.length);
        System.arraycopy(reason, 0, buf, pos, reason.length);
        return pos + reason.length;
    }

    /** Writes a PATH_CHALLENGE or PATH_RESPONSE frame. */
    static int writePathFrame(byte[] buf, int pos, int type, long data) {
        buf[pos++] = (byte) type;
        for (int i = 7; i >= 0; i--) {
            buf[pos++] = (byte) (data >>> (8 * i));
        }
        return pos;
    }

    /** Bytes of a STREAM frame header, with the length field wide enough for {@code maxLen}. */
    static int streamHeaderSize(long streamId, long offset, int maxLen) {
        return 1 + VarInt.size(streamId) + VarInt.size(offset) + VarInt.size(maxLen);
    }

    /** Writes a STREAM frame header; the caller copies {@code len} data bytes after it. */
    static int writeStreamHeader(byte[] buf, int pos, long streamId, long offset, int len, int lenWidth,
            boolean fin) {
        buf[pos++] = (byte) (fin ? STREAM_FIN : STREAM);
        pos = VarInt.write(buf, pos, streamId);
        pos = VarInt.write(buf, pos, offset);
        return VarInt.write(buf, pos, len, lenWidth);
    }
}
