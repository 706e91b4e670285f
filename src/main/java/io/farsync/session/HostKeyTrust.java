package io.farsync.session;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * How a client decides to trust a server's host key: trust on first use, recorded in an
 * OpenSSH-format known_hosts file, and a hard refusal when a known host presents another key.
 */
public final class HostKeyTrust {

    private HostKeyTrust() {
    }

    /** A refused key change, kept so the caller can print a precise warning. */
    public record Mismatch(String host, String expectedFingerprint, String actualFingerprint, Path knownHosts) {
    }

    /** A verifier over {@code knownHostsFile}; a mismatch is stored in {@code mismatch} and refused. */
    public static ServerKeyVerifier trustOnFirstUse(Path knownHostsFile, AtomicReference<Mismatch> mismatch) {
        KnownHostsServerKeyVerifier verifier = new KnownHostsServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE, knownHostsFile);
        verifier.setModifiedServerKeyAcceptor((ClientSession session, SocketAddress remote, KnownHostEntry entry,
                PublicKey expected, PublicKey actual) -> {
            mismatch.set(new Mismatch(String.valueOf(remote), KeyUtils.getFingerPrint(expected),
                    KeyUtils.getFingerPrint(actual), knownHostsFile));
            return false;
        });
        return verifier;
    }

    /** Trusts exactly {@code expected}: the embedded loopback server whose key we generated. */
    public static ServerKeyVerifier exactly(PublicKey expected) {
        return (session, remote, key) -> KeyUtils.compareKeys(expected, key);
    }
}
