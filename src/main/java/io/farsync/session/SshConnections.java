package io.farsync.session;

import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.io.IOException;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.future.GlobalRequestFuture;
import org.apache.sshd.common.global.GlobalRequestException;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * Authenticated SSH connections to servers, kept open between jobs (OpenSSH's ControlPersist, for
 * the agent): a job on a kept connection opens its job channel at once, without the TCP connect,
 * key exchange and login (three to four round trips). A connection is only handed to a job of the
 * same user, host, port, identity and host-key trust (the known_hosts file that verified it); one
 * job uses it at a time; it is closed after {@link #KEEP} unused, and when the server closed it.
 */
public final class SshConnections implements AutoCloseable {
    /** How long an unused connection stays open. */
    static final Duration KEEP = Duration.ofMinutes(5);
    /** A connection used this recently is taken as alive; one unused for longer answers a keepalive first. */
    private static final Duration RECENT = Duration.ofSeconds(60);
    /** The least wait for a keepalive's answer; four round trips when that is longer. */
    private static final Duration PROBE_MIN = Duration.ofSeconds(1);
    private static final String KEEPALIVE = "keepalive@openssh.com";
    /** Connections kept per key: as many as jobs that ran to the same place at once, up to this. */
    private static final int MAX_PER_KEY = 4;

    /** What a connection may be reused for: the same login to the same place, trusted the same way. */
    public record Key(String user, String host, int port, String identity, String trust) {
        public static Key of(SessionClient.Target target, PublicKey identity, String trust) {
            return new Key(target.user(), target.host(), target.port(), io.farsync.session.KeyFiles.fingerprint(identity), trust);
        }
    }

    /** A kept connection: its own SSH client, the session, and the round trip measured when it was made. */
    record Held(SshClient client, CountingClientSession session, Duration rtt, long idleSince) {
        boolean usable(long now) {
            return session.isOpen() && !session.isClosing() && session.isAuthenticated() && now - idleSince < KEEP.toNanos();
        }

        void close() {
            try {
                RemoteSession.disconnect(session);
            } finally {
                client.stop();
            }
        }
    }

    /**
     * A job's permission to use a kept connection of {@code key} whose host key {@code verifier}
     * accepts (unless {@code fresh}: then it connects anew), and to keep its connection afterwards.
     */
    public record Use(SshConnections connections, Key key, ServerKeyVerifier verifier, boolean fresh) {
    }

    private final Map<Key, Deque<Held>> idle = new HashMap<>();
    private final ScheduledExecutorService reaper;
    private final Duration unprobed;
    private boolean closed;
    private long reused;

    public SshConnections() {
        this(RECENT);
    }

    /** {@code unprobed}: how long unused a connection may be and still serve a job without a keepalive first. */
    public SshConnections(Duration unprobed) {
        this.unprobed = unprobed;
        reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "farsync-ssh-connections");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::closeExpired, 30, 30, TimeUnit.SECONDS);
    }

    /**
     * A kept connection for {@code use}, now the caller's; null if there is none. The server's key
     * is checked again against {@code use}'s verifier, as a new connection's would be (a line
     * replaced in known_hosts since refuses it; one removed is trusted again on first use), and a
     * connection unused for longer than {@link #RECENT} must answer a keepalive first (a round
     * trip): one that died quietly (a NAT's mapping dropped, a network gone) would otherwise hold
     * the job until the welcome's timeout.
     */
    Held take(Use use) {
        while (!use.fresh()) {
            Held h;
            synchronized (this) {
                Deque<Held> kept = idle.get(use.key());
                h = kept == null ? null : kept.pollLast();
            }
            if (h == null) {
                return null;
            }
            if (h.usable(System.nanoTime()) && trusted(h, use.verifier()) && alive(h)) {
                synchronized (this) {
                    reused++;
                }
                return h;
            }
            h.close();
            if (Thread.currentThread().isInterrupted()) {
                return null;   // the job is being stopped: not the next kept one's probe too
            }
        }
        return null;
    }

    private static boolean trusted(Held h, ServerKeyVerifier verifier) {
        try {
            return verifier.verifyServerKey(h.session(), h.session().getIoSession().getRemoteAddress(), h.session().getServerKey());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** True if the connection was used lately, or answers a keepalive within a few round trips. */
    private boolean alive(Held h) {
        if (System.nanoTime() - h.idleSince() < unprobed.toNanos()) {
            return true;
        }
        try {
            Buffer request = h.session().createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            request.putString(KEEPALIVE);
            request.putBoolean(true);
            GlobalRequestFuture answer = h.session().request(request, KEEPALIVE, null);
            if (!answer.await(Math.max(PROBE_MIN.toMillis(), 4 * h.rtt().toMillis()))) {
                return false;
            }
            // an answer, yes or no (sshd and OpenSSH refuse this request), says the peer is there;
            // the session closing also completes the future
            Throwable e = answer.getException();
            return (e == null || e instanceof GlobalRequestException) && h.session().isOpen();
        } catch (java.io.InterruptedIOException e) {
            Thread.currentThread().interrupt();   // the job is being stopped: its caller sees the interrupt
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Keeps a connection whose job ended cleanly, for the next job of {@code key}. */
    void give(Key key, SshClient client, CountingClientSession session, Duration rtt) {
        Held h = new Held(client, session, rtt, System.nanoTime());
        Held evicted = null;
        synchronized (this) {
            if (!closed && h.usable(h.idleSince())) {
                Deque<Held> kept = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
                kept.addLast(h);
                h = null;
                if (kept.size() > MAX_PER_KEY) {
                    evicted = kept.pollFirst();
                }
            }
        }
        if (h != null) {
            h.close();
        }
        if (evicted != null) {
            evicted.close();
        }
    }

    /** Connections kept now, and jobs that used a kept one so far. */
    public synchronized String describe() {
        int n = idle.values().stream().mapToInt(Deque::size).sum();
        return n + " SSH connection(s) kept, " + reused + " job(s) ran on a kept one";
    }

    private void closeExpired() {
        List<Held> expired = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            for (Deque<Held> kept : idle.values()) {
                kept.removeIf(h -> {
                    if (!h.usable(now)) {
                        expired.add(h);
                        return true;
                    }
                    return false;
                });
            }
            idle.values().removeIf(Deque::isEmpty);
        }
        expired.forEach(Held::close);
    }

    @Override
    public void close() {
        List<Held> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        reaper.shutdownNow();
        all.forEach(Held::close);
    }
}
