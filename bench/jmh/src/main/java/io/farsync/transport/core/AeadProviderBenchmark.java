package io.farsync.transport.core;

import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * AES-128-GCM encryption of one datagram by the two implementations on farsync's class path:
 * the JDK's SunJCE provider (C2 intrinsics for AES-NI counter mode and carry-less-multiply
 * GHASH) and BouncyCastle's lightweight {@code GCMBlockCipher} (pure Java, table-driven GHASH),
 * which is on the class path for SSH. Both re-initialise per datagram with a fresh nonce, as
 * {@link PacketCodec} must. The question it answers: which one the transport should use.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AeadProviderBenchmark {

    @Param({"1443", "32739", "64971"})
    int payload;

    private final byte[] key = new byte[16];
    private final byte[] nonce = new byte[12];
    private final byte[] aad = new byte[PacketCodec.HEADER_LEN];
    private byte[] plain;
    private byte[] out;
    private long counter;
    private Cipher jdk;
    private SecretKeySpec jdkKey;
    private GCMModeCipher bc;
    private KeyParameter bcKey;

    @Setup
    public void setUp() throws Exception {
        key[0] = 1;
        plain = new byte[payload];
        out = new byte[payload + PacketCodec.TAG_LEN];
        jdk = Cipher.getInstance("AES/GCM/NoPadding");
        jdkKey = new SecretKeySpec(key, "AES");
        bc = GCMBlockCipher.newInstance(AESEngine.newInstance());
        bcKey = new KeyParameter(key);
    }

    private void nextNonce() {
        long n = ++counter;
        for (int i = 0; i < 8; i++) {
            nonce[11 - i] = (byte) (n >>> (8 * i));
        }
    }

    @Benchmark
    public int sunJce() throws Exception {
        nextNonce();
        jdk.init(Cipher.ENCRYPT_MODE, jdkKey, new GCMParameterSpec(128, nonce));
        jdk.updateAAD(aad);
        return jdk.doFinal(plain, 0, payload, out, 0);
    }

    @Benchmark
    public int bouncyCastle() throws Exception {
        nextNonce();
        bc.init(true, new AEADParameters(bcKey, 128, nonce, aad));
        int n = bc.processBytes(plain, 0, payload, out, 0);
        return n + bc.doFinal(out, n);
    }
}
