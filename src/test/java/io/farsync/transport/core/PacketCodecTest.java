package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.SessionKeys;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PacketCodecTest {

    private final SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
    private final PacketCodec client = new PacketCodec(keys.clientToServerKey(), keys.clientToServerIv(),
            keys.serverToClientKey(), keys.serverToClientIv());
    private final PacketCodec server = new PacketCodec(keys.serverToClientKey(), keys.serverToClientIv(),
            keys.clientToServerKey(), keys.clientToServerIv());

    private byte[] sealed(long pn, byte[] plain) {
        byte[] out = new byte[plain.length + PacketCodec.OVERHEAD];
        int n = client.seal(keys.connectionId(), pn, plain, plain.length, out, 0);
        assertThat(n).isEqualTo(out.length);
        return out;
    }

    @Test
    void warmUp_runsOncePerJvm_andEndsCleanly() throws Exception {
        Connection.warmUpCrypto();
        Connection.warmUpCrypto();

        java.util.List<Thread> warming = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("farsync-aead-warmup")).toList();
        assertThat(warming).hasSizeLessThanOrEqualTo(1);
        for (Thread t : warming) {
            assertThat(t.isDaemon()).isTrue();
            t.join(60_000);
            assertThat(t.isAlive()).isFalse();
        }
    }

    @Test
    void seal_thenOpen_roundTrips() {
        byte[] plain = "hello, far away".getBytes();
        byte[] datagram = sealed(42, plain);
        byte[] back = new byte[100];

        int n = server.open(datagram, 0, datagram.length, back);

        assertThat(Arrays.copyOf(back, n)).isEqualTo(plain);
        assertThat(PacketCodec.connectionIdOf(datagram, 0, datagram.length)).isEqualTo(keys.connectionId() & 0xffffffffL);
        assertThat(PacketCodec.packetNumberOf(datagram, 0)).isEqualTo(42);
    }

    @Test
    void seal_withAes256_roundTrips() {
        SessionKeys k = SessionKeys.generate(new SecureRandom(), 256);
        PacketCodec a = new PacketCodec(k.clientToServerKey(), k.clientToServerIv(), k.serverToClientKey(), k.serverToClientIv());
        PacketCodec b = new PacketCodec(k.serverToClientKey(), k.serverToClientIv(), k.clientToServerKey(), k.clientToServerIv());
        byte[] out = new byte[64];
        int n = a.seal(k.connectionId(), 7, new byte[] {1, 2, 3}, 3, out, 0);

        assertThat(b.open(out, 0, n, new byte[64])).isEqualTo(3);
    }

    @Test
    void open_rejectsEverySingleBitFlip_inHeaderCiphertextAndTag() {
        byte[] datagram = sealed(1_000_000_007L, "some frames of a packet".getBytes());
        byte[] plain = new byte[100];
        for (int bit = 0; bit < datagram.length * 8; bit++) {
            byte[] tampered = datagram.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(server.open(tampered, 0, tampered.length, plain)).as("bit %d flipped", bit).isEqualTo(-1);
        }
        assertThat(server.open(datagram, 0, datagram.length, plain)).isPositive();
    }

    @Test
    void open_rejectsWrongKey() {
        SessionKeys other = SessionKeys.generate(new SecureRandom(), 128);
        PacketCodec stranger = new PacketCodec(other.serverToClientKey(), other.serverToClientIv(),
                other.clientToServerKey(), other.clientToServerIv());
        byte[] datagram = sealed(0, new byte[] {1});

        assertThat(stranger.open(datagram, 0, datagram.length, new byte[10])).isEqualTo(-1);
    }

    @Test
    void open_rejectsOwnDirection_soReflectedDatagramsFail() {
        byte[] datagram = sealed(3, new byte[] {1, 2});

        assertThat(client.open(datagram, 0, datagram.length, new byte[10])).isEqualTo(-1);
    }

    @Test
    void seal_samePlaintextUnderDifferentPacketNumbers_differs() {
        byte[] plain = new byte[32];
        byte[] a = sealed(1, plain);
        byte[] b = sealed(2, plain);

        assertThat(Arrays.copyOfRange(a, PacketCodec.HEADER_LEN, a.length))
                .isNotEqualTo(Arrays.copyOfRange(b, PacketCodec.HEADER_LEN, b.length));
    }

    @Test
    void connectionIdOf_rejectsShortAndForeignDatagrams() {
        byte[] datagram = sealed(0, new byte[0]);
        assertThat(PacketCodec.connectionIdOf(datagram, 0, PacketCodec.OVERHEAD - 1)).isEqualTo(-1);
        datagram[0] = 0x21;
        assertThat(PacketCodec.connectionIdOf(datagram, 0, datagram.length)).isEqualTo(-1);
    }
}
