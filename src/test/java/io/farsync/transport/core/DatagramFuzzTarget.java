package io.farsync.transport.core;

import io.farsync.fuzz.FuzzTarget;
import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

/**
 * Fuzzes a server {@link Connection}'s datagram decoder ({@link Connection#receive}): noise,
 * noise behind a plausible header, genuine client datagrams with bits flipped, truncated,
 * extended or spliced, and (sealed with the right key, as only a peer holding the keys could)
 * random frame sequences. Everything not sealed with the key must be dropped; nothing may throw.
 * A connection that authentic garbage failed (a protocol violation, as designed) is replaced by
 * a fresh one, so later cases still reach a live decoder.
 */
public final class DatagramFuzzTarget implements FuzzTarget {

    private static final int KINDS = 6;
    private static final String[] KIND_NAMES = {"noise", "header+noise", "bit flips", "truncated/extended",
        "spliced", "authentic random frames"};
    private static final TransportConfig CONFIG = TransportConfig.defaults()
            .withRate(100_000_000L)
            .withBuffers(256 << 10, 256 << 10)
            .withIdleTimeout(Duration.ofSeconds(10));

    private final SessionKeys keys;
    private final List<byte[]> genuine = new ArrayList<>();
    private final PacketCodec forger;
    private final byte[] frames = new byte[1400];
    private final byte[] out = new byte[TransportConfig.MAX_DATAGRAM];
    private final long[] dropped = new long[KINDS];
    private final long[] accepted = new long[KINDS];
    private Connection server;
    private long now;
    private long serversFailed;

    public DatagramFuzzTarget(long seed) {
        Random r = new Random(seed);
        byte[] k = new byte[4 + 1 + 2 * 16 + 24];
        r.nextBytes(k);
        k[4] = 16;
        this.keys = SessionKeys.fromBytes(k);
        this.forger = new PacketCodec(keys.clientToServerKey(), keys.clientToServerIv(),
                keys.serverToClientKey(), keys.serverToClientIv());
        Connection twin = Connection.client(CONFIG, keys, 0);
        // 24 datagrams fit in the initial credit and window, so no ACK is needed
        twin.write(new byte[24 * 1400], 0, 24 * 1400);
        byte[] buf = new byte[2000];
        for (long t = 0; genuine.size() < 24; t += 1_000_000L) {
            if (t > 10_000_000_000L) {
                throw new IllegalStateException("the client twin stopped sending after " + genuine.size() + " datagrams");
            }
            int n = twin.poll(buf, 0, buf.length, t);
            if (n > 0) {
                genuine.add(Arrays.copyOf(buf, n));
            }
        }
        newServer();
    }

    private void newServer() {
        server = Connection.server(CONFIG, keys, now);
        byte[] first = genuine.get(0);
        server.receive(first, 0, first.length, now);
    }

    @Override
    public String name() {
        return "datagram decoder";
    }

    @Override
    public void run(long index, Random r) {
        int kind = (int) (index % KINDS);
        now += 1_000;   // a microsecond per datagram, so the idle timeout never ends the connection
        byte[] d = switch (kind) {
            case 0 -> noise(r);
            case 1 -> headerAndNoise(r);
            case 2 -> bitFlipped(r);
            case 3 -> truncatedOrExtended(r);
            case 4 -> spliced(r);
            default -> authenticFrames(r, index);
        };
        int result = server.receive(d, 0, d.length, now);
        if (result == Connection.DROPPED) {
            dropped[kind]++;
        } else {
            accepted[kind]++;
            if (kind != KINDS - 1) {
                throw new Finding("unauthenticated datagram accepted (" + KIND_NAMES[kind] + ", "
                        + d.length + " bytes)");
            }
        }
        while (server.poll(out, 0, out.length, now) > 0) {
            // what the connection answers is not under test, only that answering works
        }
        if (server.nextWakeupNanos() <= now) {
            server.onTimeout(now);
        }
        if (server.isClosed()) {
            serversFailed++;
            newServer();
        }
    }

    private static byte[] noise(Random r) {
        byte[] d = new byte[r.nextInt(8) == 0 ? r.nextInt(TransportConfig.MAX_DATAGRAM + 1) : r.nextInt(1600)];
        r.nextBytes(d);
        return d;
    }

    private byte[] headerAndNoise(Random r) {
        byte[] d = new byte[PacketCodec.OVERHEAD + r.nextInt(1500)];
        r.nextBytes(d);
        ByteBuffer.wrap(d).put((byte) 0x11).putInt(keys.connectionId()).putLong(r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(200));
        return d;
    }

    private byte[] pick(Random r) {
        return genuine.get(r.nextInt(genuine.size()));
    }

    /** A genuine datagram with 1 to 8 distinct bits flipped: never equal to the original. */
    private byte[] bitFlipped(Random r) {
        byte[] d = pick(r).clone();
        BitSet flipped = new BitSet();
        for (int f = 1 + r.nextInt(8); f > 0; f--) {
            int bit = r.nextInt(d.length * 8);
            if (!flipped.get(bit)) {
                flipped.set(bit);
                d[bit / 8] ^= (byte) (1 << (bit % 8));
            }
        }
        return d;
    }

    private byte[] truncatedOrExtended(Random r) {
        byte[] g = pick(r);
        if (r.nextBoolean()) {
            return Arrays.copyOf(g, r.nextInt(g.length));
        }
        byte[] d = Arrays.copyOf(g, g.length + 1 + r.nextInt(64));
        for (int i = g.length; i < d.length; i++) {
            d[i] = (byte) r.nextInt(256);
        }
        return d;
    }

    /** The header of one genuine datagram in front of another's body. */
    private byte[] spliced(Random r) {
        int a = r.nextInt(genuine.size());
        int b = (a + 1 + r.nextInt(genuine.size() - 1)) % genuine.size();
        byte[] d = genuine.get(b).clone();
        System.arraycopy(genuine.get(a), 0, d, 0, PacketCodec.HEADER_LEN);
        return d;
    }

    /** Random frames, sealed with the client's key under a fresh packet number. */
    private byte[] authenticFrames(Random r, long index) {
        int pos = 0;
        for (int f = 1 + r.nextInt(6); f > 0 && pos < frames.length - 64; f--) {
            pos = randomFrame(r, pos);
        }
        byte[] d = new byte[pos + PacketCodec.OVERHEAD];
        forger.seal(keys.connectionId(), 1_000_000L + index, frames, pos, d, 0);
        return d;
    }

    private int randomFrame(Random r, int pos) {
        byte[] p = frames;
        int type = r.nextInt(12) == 0 ? r.nextInt(256) : r.nextInt(10);
        p[pos++] = (byte) type;
        int varints = switch (type) {
            case Frames.ACK -> 4 + 2 * r.nextInt(4);
            case Frames.MAX_STREAM_DATA -> 2;
            case Frames.CLOSE -> 1;
            case Frames.STREAM, Frames.STREAM_FIN -> 2;
            default -> r.nextInt(3);
        };
        for (int i = 0; i < varints; i++) {
            pos = VarInt.write(p, pos, randomVarint(r));
        }
        if (type == Frames.CLOSE || type == Frames.STREAM || type == Frames.STREAM_FIN || r.nextInt(4) == 0) {
            int room = p.length - pos - 10;
            int len = r.nextInt(Math.min(room, 200) + 1);
            int declared = r.nextInt(5) == 0 ? len + r.nextInt(100) - 50 : len;
            pos = VarInt.write(p, pos, Math.max(0, declared));
            for (int i = 0; i < len; i++) {
                p[pos++] = (byte) r.nextInt(256);
            }
        }
        return pos;
    }

    private static long randomVarint(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(64);
            case 1 -> r.nextInt(1 << 14);
            case 2 -> r.nextInt(1 << 30);
            default -> r.nextLong() >>> 2;
        };
    }

    @Override
    public String summary() {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < KINDS; k++) {
            s.append(k == 0 ? "" : ", ").append(KIND_NAMES[k]).append(' ').append(dropped[k]).append(" dropped/")
                    .append(accepted[k]).append(" accepted");
        }
        return s.append("; connections failed by authentic garbage (by design) ").append(serversFailed).toString();
    }
}
